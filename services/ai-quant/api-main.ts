// Entry point of the ai-quant API process (PM2 app `ai-quant-api`, a Deployment in Kubernetes).
import { serviceMain } from "../shared/runtime.js";
import { createQuantApi } from "./api.js";

await serviceMain(createQuantApi());
