import { serviceMain } from "../shared/runtime.js";
import { scavengerService } from "./service.js";

await serviceMain(scavengerService);
