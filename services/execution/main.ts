import { serviceMain } from "../shared/runtime.js";
import { executionService } from "./service.js";

await serviceMain(executionService);
