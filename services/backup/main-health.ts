// What the backup scheduler tells the stack about itself: readiness (is it able to do its job?) and
// its own metrics, on an HTTPS listener of its own (TLS 1.3, the certificate re-read when renewed).
// The backup metrics proper (titan_backup_*) go through the Pushgateway, so every process that takes a
// backup reports the same totals; exposing them here as well would double every series the alerts read.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { loadTlsFiles, watchTlsFiles, type TlsFiles } from "../shared/http/tls.js";
import { BACKUP_TIERS, TIER_PLANS } from "./domain/tiers.js";

/** What the scheduler loop is doing, as the health answer and the metrics see it. */
export type SchedulerPhase = "starting" | "waiting-for-services" | "idle" | "pass";

export type PassOutcome = "succeeded" | "backup-failed" | "error";

export interface PassRecord {
  readonly startedMs: number;
  readonly finishedMs: number;
  readonly outcome: PassOutcome;
  /** Tiers that ran in the pass. */
  readonly ran: readonly string[];
  /** Why the pass could not run at all (outcome "error"). */
  readonly error?: string;
}

export interface SchedulerState {
  readonly phase: SchedulerPhase;
  /** When the pass in progress started (phase "pass"). */
  readonly passStartedMs: number | null;
  readonly lastPass: PassRecord | null;
}

export const INITIAL_STATE: SchedulerState = { phase: "starting", passStartedMs: null, lastPass: null };

/**
 * A pass that runs longer than the shortest schedule (hourly, ops/ BACKUP_SCHEDULE) makes that tier
 * late: the scheduler is then stuck, whatever the pass is doing.
 */
export const STUCK_PASS_SECONDS = Math.min(...BACKUP_TIERS.map((t) => TIER_PLANS[t].schedule.intervalSeconds).filter((s) => s > 0));

export interface Readiness {
  readonly ready: boolean;
  readonly detail: string;
}

/**
 * Ready while the scheduler can do its job. A backup that failed is not a readiness matter (it is
 * recorded, pushed and alerted per tier); a pass that could not run at all (no stack manifest, the
 * repository locked by another run) or one stuck past STUCK_PASS_SECONDS is.
 */
export const schedulerReadiness = (state: SchedulerState, nowMs: number): Readiness => {
  if (state.phase === "pass" && state.passStartedMs !== null) {
    const runningSeconds = (nowMs - state.passStartedMs) / 1000;
    if (runningSeconds > STUCK_PASS_SECONDS) return { ready: false, detail: `a pass has been running for ${Math.round(runningSeconds)} s, longer than the shortest schedule (${STUCK_PASS_SECONDS} s)` };
    return { ready: true, detail: `pass running for ${Math.round(runningSeconds)} s` };
  }
  if (state.lastPass?.outcome === "error") return { ready: false, detail: `the last pass could not run: ${state.lastPass.error ?? "unknown error"}` };
  if (state.phase === "waiting-for-services") return { ready: true, detail: "waiting for the services to be ready before the first pass" };
  if (state.lastPass === null) return { ready: true, detail: state.phase === "starting" ? "starting" : "no pass yet" };
  const ran = state.lastPass.ran.length > 0 ? `ran ${state.lastPass.ran.join(", ")}` : "nothing was due";
  return { ready: true, detail: `last pass ${new Date(state.lastPass.finishedMs).toISOString()}: ${state.lastPass.outcome}, ${ran}` };
};

export interface SchedulerMetrics {
  readonly registry: Registry;
  passFinished(pass: PassRecord): void;
}

export const schedulerMetrics = (): SchedulerMetrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "titan_backup_scheduler_" });
  const passes = new Counter({ name: "titan_backup_scheduler_passes_total", help: "Scheduler passes by outcome (backup-failed: a tier's run failed; error: the pass could not run)", labelNames: ["outcome"], registers: [registry] });
  const lastPass = new Gauge({ name: "titan_backup_scheduler_last_pass_timestamp_seconds", help: "When the scheduler's last pass finished", registers: [registry] });
  const lastDuration = new Gauge({ name: "titan_backup_scheduler_last_pass_duration_seconds", help: "How long the scheduler's last pass took", registers: [registry] });
  for (const outcome of ["succeeded", "backup-failed", "error"] as const) passes.inc({ outcome }, 0);
  return {
    registry,
    passFinished: (pass) => {
      passes.inc({ outcome: pass.outcome });
      lastPass.set(pass.finishedMs / 1000);
      lastDuration.set((pass.finishedMs - pass.startedMs) / 1000);
    },
  };
};

export interface HealthServerOptions {
  readonly host: string;
  readonly port: number;
  /** HTTPS with TLS 1.3 when given; plain HTTP otherwise (a developer's single host). */
  readonly tls?: TlsFiles;
  readonly state: () => SchedulerState;
  readonly metrics: SchedulerMetrics;
  readonly nowMs: () => number;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

const answer = (res: ServerResponse, status: number, type: string, body: string): void => {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
  res.end(body);
};

const handle = (opts: HealthServerOptions) => (req: IncomingMessage, res: ServerResponse): void => {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, "text/plain", "only GET\n");
  if (path === "/health/live") return answer(res, 200, "application/json", JSON.stringify({ status: "ok", service: "backup" }));
  if (path === "/health/ready") {
    const state = opts.state();
    const verdict = schedulerReadiness(state, opts.nowMs());
    const body = { status: verdict.ready ? "ok" : "fail", service: "backup", phase: state.phase, lastPass: state.lastPass, checks: { scheduler: verdict.ready ? { status: "ok", detail: verdict.detail } : { status: "fail", error: verdict.detail } } };
    return answer(res, verdict.ready ? 200 : 503, "application/json", JSON.stringify(body));
  }
  if (path === "/metrics") {
    opts.metrics.registry.metrics().then(
      (text) => answer(res, 200, opts.metrics.registry.contentType, text),
      (err: unknown) => answer(res, 500, "text/plain", `metrics failed: ${(err as Error).message}\n`),
    );
    return;
  }
  answer(res, 404, "text/plain", "not found\n");
};

/** Listens until the returned close() is called. */
export const startHealthServer = async (opts: HealthServerOptions): Promise<{ port: number; close(): Promise<void> }> => {
  let stopWatching = (): void => undefined;
  let server: Server;
  if (opts.tls) {
    const loaded = loadTlsFiles(opts.tls);
    const https = createHttpsServer(loaded.options, handle(opts));
    stopWatching = watchTlsFiles(https, opts.tls, loaded.certificate, {
      onReload: (certificate) => opts.log.info({ serialNumber: certificate.serialNumber }, "TLS certificate reloaded"),
      onError: (err) => opts.log.warn({ err }, "new TLS files not usable; still serving the previous certificate"),
    });
    server = https;
  } else {
    server = createHttpServer(handle(opts));
  }
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : opts.port,
    close: () =>
      new Promise<void>((resolve) => {
        stopWatching();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
