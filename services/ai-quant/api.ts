// The ai-quant API process: the AI Quant routes (proposals, runs) on the shared runtime — authentication,
// role checks, audit, metrics, health — plus the outbox relay that publishes the proposals the job
// writes. The job itself stays a job (main.ts); this process only serves decisions and starts runs.
import type { ServiceContext, ServiceDefinition } from "../shared/runtime.js";
import { childProcessLauncher, type RunLauncher } from "./adapters/run-launcher.js";
import { scavengerConfigClient, type ScavengerConfigClient } from "./adapters/scavenger-client.js";
import { loadQuantExtraConfig } from "./config.js";
import { quantRoutes } from "./http/routes.js";

export interface QuantApiOptions {
  /** Defaults to the scavenger at TITAN_SCAVENGER_URL. */
  readonly scavenger?: ScavengerConfigClient;
  /** Defaults to a child process running the job. */
  readonly launcher?: (ctx: ServiceContext<"ai-quant">) => RunLauncher;
  readonly env?: NodeJS.ProcessEnv;
}

export function createQuantApi(options: QuantApiOptions = {}): ServiceDefinition<"ai-quant"> {
  const launchers = new WeakMap<ServiceContext<"ai-quant">, RunLauncher>();
  const launcherFor = (ctx: ServiceContext<"ai-quant">): RunLauncher => {
    let launcher = launchers.get(ctx);
    if (!launcher) {
      launcher = options.launcher ? options.launcher(ctx) : childProcessLauncher(ctx.logger);
      launchers.set(ctx, launcher);
    }
    return launcher;
  };
  return {
    service: "ai-quant",
    routes: async (app, ctx) => {
      const scavenger = options.scavenger ?? scavengerConfigClient(loadQuantExtraConfig(options.env ?? process.env).scavengerUrl);
      await app.register(quantRoutes, { db: ctx.db, clock: ctx.clock, scavenger, launcher: launcherFor(ctx) });
    },
    start: async (ctx) => [() => launcherFor(ctx).stop()],
  };
}
