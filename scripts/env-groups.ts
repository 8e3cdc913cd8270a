// Every configuration spec a service defines for itself, beside the shared ones, for .env.example.
// The shared config module cannot import services, so the list is assembled here.
import { BRAIN_CONFIG_SPEC } from "../services/brain/config.js";
import { CONSOLE_CONFIG_SPEC } from "../services/console/config.js";
import { EXECUTION_CONFIG_SPEC } from "../services/execution/config.js";
import { MARKET_DATA_CONFIG_SPEC } from "../services/execution/market-data/config.js";
import type { ConfigGroup } from "../services/shared/config/env-example.js";

export const SERVICE_CONFIG_GROUPS: readonly ConfigGroup[] = [
  { title: "brain", vars: BRAIN_CONFIG_SPEC },
  { title: "execution", vars: EXECUTION_CONFIG_SPEC },
  { title: "execution: market data", vars: MARKET_DATA_CONFIG_SPEC },
  { title: "console", vars: CONSOLE_CONFIG_SPEC },
];
