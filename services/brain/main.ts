import { serviceMain } from "../shared/runtime.js";
import { brainService } from "./service.js";

await serviceMain(brainService);
