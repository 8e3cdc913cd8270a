// The ai-quant job records every run in its schema and pushes its freshness metrics to a real
// Pushgateway, since a job that exits cannot be scraped.
import { spawn, type ChildProcess } from "node:child_process";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { runInProgress, runJob } from "../../../services/ai-quant/job.js";
import { optimiseRun } from "../../../services/ai-quant/optimise.js";
import { DEFAULT_QUANT_SETTINGS } from "../../../services/ai-quant/domain/quant-settings.js";
import { ManualClock } from "../../../services/shared/clock.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { migrateService, roleFor } from "../../../services/shared/db/provision.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase } from "../../support/test-database.js";

describe("the ai-quant job", () => {
  let pushgateway: ChildProcess;
  let pushgatewayUrl = "";
  let db: Database;

  beforeAll(async () => {
    const port = await getPort();
    pushgatewayUrl = `http://127.0.0.1:${port}`;
    pushgateway = spawn("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
    await waitFor(async () => (await fetch(`${pushgatewayUrl}/-/ready`).catch(() => undefined))?.ok === true, 15_000, "the Pushgateway");
    const testDb = await withTestDatabase("aiquant");
    await provisionTestDatabase(testDb);
    const url = new URL(testDb.url);
    url.username = roleFor("ai-quant");
    await migrateService("ai-quant", url.toString());
    db = createDatabase({ url: url.toString(), applicationName: "ai-quant-test" });
  });

  afterAll(async () => {
    await db?.close();
    pushgateway?.kill("SIGTERM");
  });

  /** The value of the one pushed series of `name` (the Pushgateway re-renders numbers its own way). */
  const pushedValue = async (name: string, labelMatch = ""): Promise<number> => {
    const text = await (await fetch(`${pushgatewayUrl}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labelMatch));
    if (!line) throw new Error(`${name} ${labelMatch} not pushed`);
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  };

  const deps = (clock: ManualClock) => ({ db, clock, logger: pino({ level: "silent" }), metrics: new ServiceMetrics("ai-quant", { defaultMetrics: false }), pushgatewayUrl });

  it("records a run with its outcome and pushes when it finished", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 0, 0, 0));
    const run = await runJob(deps(clock), "cron", async () => {
      clock.advance(1_500);
      return { outcome: "succeeded", detail: "ok", figures: { trials: 3 } };
    });
    expect(run).toMatchObject({ outcome: "succeeded", durationSeconds: 1.5 });
    const { rows } = await db.query<{ trigger: string; outcome: string; figures: unknown; seconds: number }>(
      "read",
      "SELECT trigger, outcome, figures, extract(epoch FROM finished_at - started_at)::float AS seconds FROM job_runs WHERE id = $1",
      [run.id],
    );
    expect(rows).toEqual([{ trigger: "cron", outcome: "succeeded", figures: { trials: 3 }, seconds: 1.5 }]);
    expect(await pushedValue("titan_ai_quant_last_success_timestamp_seconds", 'job="titan-ai-quant"')).toBe(clock.nowMs() / 1000);
    expect(await pushedValue("titan_ai_quant_last_run_outcome_state", 'outcome="succeeded"')).toBe(1);
  });

  it("records a failed run as failed and does not move the last success", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 0, 0, 0));
    const run = await runJob(deps(clock), "manual", async () => {
      throw new Error("tape missing for 2026-11-24");
    });
    expect(run).toMatchObject({ outcome: "failed", detail: "tape missing for 2026-11-24" });
    expect(await pushedValue("titan_ai_quant_last_run_outcome_state", 'outcome="failed"')).toBe(1);
    expect(await pushedValue("titan_ai_quant_last_run_timestamp_seconds")).toBe(clock.nowMs() / 1000);
    // The success stamp is still the first test's run, a day earlier.
    expect(await pushedValue("titan_ai_quant_last_success_timestamp_seconds")).toBe(Date.UTC(2026, 10, 24, 0, 0, 1, 500) / 1000);
  });

  it("lets one run work at a time, records its progress, and fails runs whose process died", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26, 0, 0, 0));
    await db.query("orphan", "INSERT INTO job_runs (id, trigger, started_at) VALUES ('00000000-0000-4000-8000-000000000001', 'cron', '2026-11-25T00:00:00Z')");
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let progressed: () => void = () => undefined;
    const reported = new Promise<void>((resolve) => (progressed = resolve));
    const first = runJob(deps(clock), "cron", async (ctx) => {
      ctx.progress(0.5, "half way");
      progressed();
      await held;
      return { outcome: "succeeded", detail: "done" };
    });
    await reported;
    expect(await runInProgress(db)).toBe(true);
    const second = await runJob(deps(clock), "manual", async () => ({ outcome: "succeeded", detail: "must not run" }));
    expect(second).toMatchObject({ outcome: "skipped", detail: "another AI Quant run is in progress" });
    const { rows } = await db.query<{ id: string; outcome: string | null; detail: string | null; progress_fraction: number; progress_detail: string | null }>(
      "runs",
      "SELECT id, outcome, detail, progress_fraction, progress_detail FROM job_runs WHERE started_at >= '2026-11-25T00:00:00Z' ORDER BY started_at, outcome NULLS FIRST",
    );
    expect(rows.find((r) => r.id === "00000000-0000-4000-8000-000000000001")).toMatchObject({ outcome: "failed", detail: "the run ended without finishing (its process stopped)" });
    expect(rows.find((r) => r.outcome === null)).toMatchObject({ progress_fraction: 0.5, progress_detail: "half way" });
    release();
    expect(await first).toMatchObject({ outcome: "succeeded" });
    expect(await runInProgress(db)).toBe(false);
  });

  it("fails a run clearly when the ai-quant role cannot read the scavenger's parameter versions", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 0, 0, 0));
    const d = deps(clock);
    const run = await runJob(d, "manual", (ctx) =>
      optimiseRun(d, { period: { fromMs: Date.UTC(2026, 10, 20), toMs: Date.UTC(2026, 10, 26) }, data: "tape", tapeDir: "/nonexistent", settings: DEFAULT_QUANT_SETTINGS, dataSeed: 1 }, ctx),
    );
    expect(run.outcome).toBe("failed");
    expect(run.detail).toMatch(/the scavenger's active parameter version \(scavenger\.config_versions\) could not be read .*: the ai-quant role needs SELECT on scavenger\.config_versions/);
  });
});
