// `stack down`: stops the services, the entry point, the monitoring daemons and the datastores, in
// that order, then sweeps for any process of the stack that survived, so nothing is left running.
import { join } from "node:path";
import { isPostgresRunning, stopPostgres } from "../lib/local-servers.js";
import { daemonPidFile, type DaemonName } from "./components.js";
import type { StackContext } from "./context.js";
import { daemonSpecs } from "./daemons.js";
import { stopNginx } from "./nginx.js";
import { killPm2 } from "./pm2.js";
import { runningPid, stopDaemon, stopPid, sweepStackProcesses } from "./processes.js";
import type { Progress } from "./progress.js";
import { readManifest, writeManifest } from "./state.js";

const DAEMONS: readonly DaemonName[] = ["prometheus", "alertmanager", "pushgateway", "node-exporter", "postgres-exporter", "redis-exporter"];

const postgresRunning = (dataDir: string): boolean => {
  try {
    return isPostgresRunning(dataDir);
  } catch {
    return false; // no PostgreSQL binaries: nothing of ours can be running
  }
};

export const down = async (ctx: StackContext, progress: Progress): Promise<number> => {
  const { layout } = ctx;
  let stoppedAny = false;
  const stopped = (component: string, wasRunning: boolean): void => {
    stoppedAny ||= wasRunning;
    progress.line(component, wasRunning ? "stopped" : "not running");
  };

  await progress.step("pm2", () => killPm2(layout, ctx.portOffset), (was) => {
    stoppedAny ||= was;
    return was ? "services stopped, daemon killed" : "not running";
  });
  stopped("nginx", await stopNginx(layout.nginxDir));
  const specs = daemonSpecs(layout, ctx.ports);
  const results = await Promise.all(DAEMONS.map(async (name) => [name, await stopDaemon(daemonPidFile(layout, name), specs[name].executable)] as const));
  for (const [name, was] of results) stopped(name, was);

  const redisPid = runningPid(join(layout.redisDir, "redis.pid"), "redis-server");
  stopped("redis", redisPid === undefined ? false : await stopPid(redisPid, 10_000));
  await progress.step(
    "postgres",
    () => {
      if (!postgresRunning(layout.pgDir)) return false;
      stopPostgres(layout.pgDir, "fast");
      return true;
    },
    (was) => {
      stoppedAny ||= was;
      return was ? "stopped" : "not running";
    },
  );

  const { found, left } = await sweepStackProcesses(layout.root);
  if (found.length > 0) {
    stoppedAny = true;
    progress.line("sweep", `ended ${found.length} leftover process(es): ${found.map((p) => `${p.pid} ${p.command.slice(0, 60)}`).join("; ")}`);
  }
  const manifest = readManifest(layout);
  if (manifest) writeManifest(layout, { ...manifest, state: "down", updatedAt: new Date().toISOString() });

  if (left.length > 0) {
    progress.fail("sweep", `still running: ${left.map((p) => `${p.pid} ${p.command}`).join("; ")}`);
    return 1;
  }
  process.stdout.write(stoppedAny ? `\nTitan stopped in ${progress.elapsedSeconds().toFixed(1)} s; no process of ${layout.root} is left.\n` : `\nNothing was running for ${layout.root}.\n`);
  return progress.failures.length > 0 ? 1 : 0;
};
