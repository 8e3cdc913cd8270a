// AI Quant's own settings beyond the ai-quant service's shared ones (services/shared/config: database,
// Redis, secrets, the Pushgateway). They belong in the shared spec's ai-quant list, where .env.example
// is generated from; until they are moved there they are read here, with the same helpers.
import { join } from "node:path";
import { loadConfig, pathVar, urlVar, type Env } from "../shared/config/index.js";

export const QUANT_EXTRA_SPEC = [
  pathVar("TITAN_STATE_DIR", { description: "Folder for local state: generated secrets, the local CA, server data.", default: ".titan" }),
  pathVar("TITAN_TAPE_DIR", {
    description: "Folder of the trade tape execution records (the same folder as execution's TITAN_TAPE_DIR); the job backtests over it.",
    default: { compute: (loaded) => join(String(loaded.TITAN_STATE_DIR ?? ".titan"), "tape"), describe: "<TITAN_STATE_DIR>/tape" },
  }),
  urlVar("TITAN_SCAVENGER_URL", {
    description: "The scavenger's own HTTP address (not the entry point): approving a proposal creates and activates a version through its API.",
    default: "http://127.0.0.1:8081",
    schemes: ["http", "https"],
  }),
] as const;

export const loadQuantExtraConfig = (env: Env = process.env) => loadConfig(QUANT_EXTRA_SPEC, env);
