import { serviceMain } from "../shared/runtime.js";
import { consoleService } from "./service.js";

await serviceMain(consoleService);
