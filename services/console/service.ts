// The console backend as the shared runtime runs it: API token management for titanctl and the
// bootstrap admin token on first start. Pages, logins with MFA and the WebSocket fan-out arrive with
// the console issue.
import { ensureBootstrapAdminToken, tokenRoutes } from "../shared/auth/index.js";
import type { ServiceDefinition } from "../shared/runtime.js";

export const consoleService: ServiceDefinition<"console"> = {
  service: "console",
  routes: async (app, ctx) => {
    await app.register(tokenRoutes, { db: ctx.db, clock: ctx.clock });
  },
  start: async (ctx) => {
    await ensureBootstrapAdminToken({
      db: ctx.db,
      file: ctx.config.bootstrapTokenFile,
      clock: ctx.clock,
      log: (line: string) => ctx.logger.info(line),
    });
    return [];
  },
};
