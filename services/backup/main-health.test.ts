import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { BACKUP_SCHEDULE } from "../../ops/index.js";
import { INITIAL_STATE, STUCK_PASS_SECONDS, schedulerMetrics, schedulerReadiness, startHealthServer, type PassRecord, type SchedulerState } from "./main-health.js";

const NOW_MS = Date.UTC(2026, 0, 10, 12);
const pass = (outcome: PassRecord["outcome"], extra: Partial<PassRecord> = {}): PassRecord => ({ startedMs: NOW_MS - 5_000, finishedMs: NOW_MS - 1_000, outcome, ran: ["configuration"], ...extra });
const silent = { info: () => undefined, warn: () => undefined };

describe("the scheduler's readiness", () => {
  it("holds the stuck limit to the shortest schedule of ops/", () => {
    expect(STUCK_PASS_SECONDS).toBe(BACKUP_SCHEDULE.hourlySnapshot.intervalSeconds);
  });

  it("is ready while starting, waiting for the services, and after a pass that ran, even when a backup failed", () => {
    expect(schedulerReadiness(INITIAL_STATE, NOW_MS).ready).toBe(true);
    expect(schedulerReadiness({ ...INITIAL_STATE, phase: "waiting-for-services" }, NOW_MS)).toEqual({ ready: true, detail: "waiting for the services to be ready before the first pass" });
    expect(schedulerReadiness({ phase: "idle", passStartedMs: null, lastPass: pass("succeeded") }, NOW_MS).detail).toMatch(/succeeded, ran configuration/);
    // A failed tier is alerted per tier from the pushed metrics; the scheduler itself still works.
    expect(schedulerReadiness({ phase: "idle", passStartedMs: null, lastPass: pass("backup-failed") }, NOW_MS).ready).toBe(true);
  });

  it("is not ready when the last pass could not run, and says why", () => {
    const verdict = schedulerReadiness({ phase: "idle", passStartedMs: null, lastPass: pass("error", { ran: [], error: "no local stack manifest" }) }, NOW_MS);
    expect(verdict).toEqual({ ready: false, detail: "the last pass could not run: no local stack manifest" });
  });

  it("turns unready exactly when a pass runs longer than the stuck limit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * STUCK_PASS_SECONDS * 1000 }), (runningMs) => {
        const state: SchedulerState = { phase: "pass", passStartedMs: NOW_MS - runningMs, lastPass: null };
        expect(schedulerReadiness(state, NOW_MS).ready).toBe(runningMs <= STUCK_PASS_SECONDS * 1000);
      }),
    );
  });
});

describe("the scheduler's listener", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  const serve = async (state: SchedulerState, tls?: { certFile: string; keyFile: string }) => {
    const metrics = schedulerMetrics();
    const server = await startHealthServer({ host: "127.0.0.1", port: 0, ...(tls ? { tls } : {}), state: () => state, metrics, nowMs: () => NOW_MS, log: silent });
    close = server.close;
    return { metrics, port: server.port };
  };

  it("answers readiness with the services' body shape, 503 when not ready", async () => {
    const ready = await serve({ phase: "idle", passStartedMs: null, lastPass: pass("succeeded") });
    const ok = await fetch(`http://127.0.0.1:${ready.port}/health/ready`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "ok", service: "backup", phase: "idle", checks: { scheduler: { status: "ok" } } });
    await close?.();
    const broken = await serve({ phase: "idle", passStartedMs: null, lastPass: pass("error", { error: "locked" }) });
    const fail = await fetch(`http://127.0.0.1:${broken.port}/health/ready`);
    expect(fail.status).toBe(503);
    expect(await fail.json()).toMatchObject({ status: "fail", checks: { scheduler: { status: "fail", error: "the last pass could not run: locked" } } });
    expect((await fetch(`http://127.0.0.1:${broken.port}/health/live`)).status).toBe(200);
  });

  it("exposes its own metrics, counting passes by outcome, and never the pushed titan_backup_* series", async () => {
    const { metrics, port } = await serve(INITIAL_STATE);
    metrics.passFinished(pass("backup-failed"));
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain('titan_backup_scheduler_passes_total{outcome="backup-failed"} 1');
    expect(text).toContain('titan_backup_scheduler_passes_total{outcome="succeeded"} 0');
    expect(text).toContain(`titan_backup_scheduler_last_pass_timestamp_seconds ${(NOW_MS - 1_000) / 1000}`);
    expect(text).toContain("titan_backup_scheduler_process_resident_memory_bytes");
    expect(text.split("\n").filter((l) => /^titan_backup_(?!scheduler_)/.test(l))).toEqual([]);
  });

  it("refuses anything but GET and unknown paths", async () => {
    const { port } = await serve(INITIAL_STATE);
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`http://127.0.0.1:${port}/backups`)).status).toBe(404);
  });

  it("speaks TLS 1.3 when given a certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backup-tls-"));
    const certFile = join(dir, "cert.pem");
    const keyFile = join(dir, "key.pem");
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const { port } = await serve(INITIAL_STATE, { certFile, keyFile });
    const seen = await new Promise<{ status: number; protocol: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/health/live", ca: readFileSync(certFile), agent: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, protocol: (res.socket as TLSSocket).getProtocol() ?? "" });
      });
      req.on("error", reject);
      req.end();
    });
    expect(seen).toEqual({ status: 200, protocol: "TLSv1.3" });
    const tls12 = await new Promise<string>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/health/live", ca: readFileSync(certFile), agent: false, maxVersion: "TLSv1.2" }, () => resolve("connected"));
      req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
    expect(tls12).not.toBe("connected");
  });
});
