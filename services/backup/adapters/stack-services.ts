// After a restore the services' memory is ahead of the restored database (ids, outbox positions,
// shadow state), so the stack's services are restarted to rebuild from it; then their readiness is
// awaited, which is the "time to healthy" of the RTO.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { HealthTarget } from "./target.js";

const pm2Bin = (): string => join(dirname(createRequire(import.meta.url).resolve("pm2/package.json")), "bin", "pm2");

/** Restarts the named PM2 apps of the stack whose PM2 lives in `pm2Home`. */
export const restartServices = (pm2Home: string, portOffset: number, apps: readonly string[]): void => {
  if (apps.length === 0) return;
  const res = spawnSync(process.execPath, [pm2Bin(), "restart", ...apps, "--update-env", "--silent"], {
    env: { ...process.env, PM2_HOME: pm2Home, PM2_DISABLE_VERSION_CHECK: "true", TITAN_STACK_PORT_OFFSET: String(portOffset) },
    encoding: "utf8",
    timeout: 60_000,
  });
  if (res.status !== 0) throw new Error(`pm2 restart ${apps.join(" ")} failed: ${(res.stderr || res.stdout || res.error?.message || "").trim().split("\n").slice(-5).join("\n")}`);
};

/**
 * True when `url` answers 200 within 2 s. An https URL is checked against `caFile` when given (the
 * stack's CA: a hand-run titanctl has no NODE_EXTRA_CA_CERTS), else against Node's trusted roots.
 */
export const answersReady = (url: string, caFile?: string): Promise<boolean> =>
  new Promise((resolve) => {
    const options = { timeout: 2_000, ...(caFile && url.startsWith("https:") ? { ca: readFileSync(caFile), servername: "localhost" } : {}) };
    const req = (url.startsWith("https:") ? httpsGet : httpGet)(url, options, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", () => resolve(false));
  });

export interface HealthFigures {
  /** Seconds from `sinceMs` until each target answered ready. */
  readonly readyAfterSeconds: Readonly<Record<string, number>>;
  /** Until every critical target was ready (brain, execution). */
  readonly criticalSeconds: number;
  /** Until every target was ready. */
  readonly allSeconds: number;
}

/** Polls every target's readiness URL until all answer 200; throws naming the ones that never did. */
export const waitForHealthy = async (targets: readonly HealthTarget[], sinceMs: number, timeoutMs: number, progress: (line: string) => void, caFile?: string): Promise<HealthFigures> => {
  const readyAfterSeconds: Record<string, number> = {};
  const deadline = Date.now() + timeoutMs;
  let pending = [...targets];
  while (pending.length > 0 && Date.now() < deadline) {
    const verdicts = await Promise.all(pending.map(async (t) => [t, await answersReady(t.url, caFile)] as const));
    for (const [t, ok] of verdicts) {
      if (!ok) continue;
      readyAfterSeconds[t.name] = (Date.now() - sinceMs) / 1000;
      progress(`${t.name} ready after ${readyAfterSeconds[t.name]!.toFixed(1)} s`);
    }
    pending = pending.filter((t) => readyAfterSeconds[t.name] === undefined);
    if (pending.length > 0) await sleep(250);
  }
  if (pending.length > 0) throw new Error(`not ready after ${timeoutMs / 1000} s: ${pending.map((t) => `${t.name} (${t.url})`).join(", ")}`);
  const of = (ts: readonly HealthTarget[]): number => Math.max(0, ...ts.map((t) => readyAfterSeconds[t.name] ?? 0));
  return { readyAfterSeconds, criticalSeconds: of(targets.filter((t) => t.critical)), allSeconds: of(targets) };
};
