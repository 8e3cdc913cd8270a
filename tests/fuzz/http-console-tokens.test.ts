// Fuzzing the console's API-token routes (issue, list, revoke, whoami). The rest of the console is
// being rebuilt: these routes run here on their own, on the console's database role and server.
import type { ServiceDefinition } from "../../services/shared/runtime.js";
import { tokenRoutes } from "../../services/shared/auth/index.js";
import { describeHttpFuzz } from "./support/describe-http-fuzz.js";
import { startFuzzTarget } from "./support/fuzz-target.js";

const consoleTokenRoutes: ServiceDefinition<"console"> = {
  service: "console",
  routes: async (app, ctx) => tokenRoutes(app, { db: ctx.db, clock: ctx.clock }),
};

describeHttpFuzz("console", {
  start: async () => startFuzzTarget(consoleTokenRoutes),
  expectedRoutes: ["POST /api/auth/tokens", "GET /api/auth/tokens", "DELETE /api/auth/tokens/:id", "GET /api/auth/whoami"],
  routeCountEstimate: 26,
});
