// `titanctl quant run|runs`: AI Quant's job through its API behind the entry point
// (https://<api>/api/quant/runs). `quant run` starts the nightly run now (operator; audited) and, unless
// told not to wait, shows its progress until it ends; `quant runs` lists recent runs (viewer).
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { callJson } from "../http-client.js";
import type { CliContext } from "../context.js";

export interface RunView {
  id: string;
  trigger: string;
  startedAtMs: number;
  finishedAtMs: number | null;
  outcome: "succeeded" | "failed" | "skipped" | null;
  detail: string | null;
  figures: Record<string, number>;
  progressFraction: number;
  progressDetail: string | null;
  requestedBy: { kind: string; name: string } | null;
}

const iso = (ms: number | null): string => (ms ? new Date(ms).toISOString().replace(/\.\d+Z$/, "Z") : "-");

const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
};

export const renderRuns = (runs: readonly RunView[]): string => {
  if (runs.length === 0) return "no runs yet";
  const rows = runs.map((r) => [
    r.id,
    r.trigger,
    iso(r.startedAtMs),
    r.finishedAtMs ? `${((r.finishedAtMs - r.startedAtMs) / 1000).toFixed(0)} s` : `${Math.round(r.progressFraction * 100)}%`,
    r.outcome ?? "running",
    (r.detail ?? r.progressDetail ?? "").slice(0, 100),
  ]);
  return table(["RUN", "TRIGGER", "STARTED", "TOOK", "OUTCOME", "DETAIL"], rows);
};

export const renderRunEnd = (r: RunView): string => `run ${r.id} ${r.outcome ?? "running"}: ${r.detail ?? ""}`;

/** Waits for the run to end, showing its progress; `sleep` and `onProgress` are injectable for tests. */
export async function waitForRun(
  fetchRun: () => Promise<RunView>,
  options: { pollMs?: number; sleep?: (ms: number) => Promise<void>; onProgress?: (fraction: number, detail: string) => void } = {},
): Promise<RunView> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const run = await fetchRun();
    options.onProgress?.(run.finishedAtMs ? 1 : run.progressFraction, run.progressDetail ?? "");
    if (run.finishedAtMs !== null) return run;
    await sleep(options.pollMs ?? 1_000);
  }
}

export const registerQuantCommands = (program: Command, ctx: () => CliContext): void => {
  const base = (c: CliContext) => `${c.apiUrl}/api/quant/runs`;
  const quant = program.command("quant").description("AI Quant's nightly job: start a run now, list runs");

  quant
    .command("run")
    .description("start a run now (operator; audited) and show its progress until it ends; exits 1 if it failed")
    .requiredOption("--reason <text>", "why (audited)")
    .option("--from <day|time>", "start of the period (YYYY-MM-DD or ISO-8601); default: the tape's hot days")
    .option("--to <day|time>", "end of the period; default: the last UTC midnight")
    .option("--seed <n>", "seed of the search")
    .option("--no-wait", "return once the run has started")
    .action(async (opts: { reason: string; from?: string; to?: string; seed?: string; wait: boolean }) => {
      const c = ctx();
      if (opts.reason.trim().length === 0) throw new Error("--reason is required: it is kept in the audit log");
      if (opts.seed !== undefined && !/^\d+$/.test(opts.seed)) throw new Error(`--seed must be a whole number, got "${opts.seed}"`);
      const body = { reason: opts.reason.trim(), ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}), ...(opts.seed ? { seed: Number(opts.seed) } : {}) };
      const started = await callJson<{ runId: string }>(base(c), { ...c.request(), method: "POST", body });
      console.log(`run ${started.runId} started; follow it with titanctl quant runs`);
      if (!opts.wait) return;
      const bar = process.stderr.isTTY ? new SingleBar({ format: "ai-quant [{bar}] {percentage}% | {detail}", stream: process.stderr, hideCursor: true }) : null;
      bar?.start(1000, 0, { detail: "starting" });
      const run = await waitForRun(() => callJson<RunView>(`${base(c)}/${started.runId}`, c.request()), {
        onProgress: (fraction, detail) => bar?.update(Math.round(fraction * 1000), { detail }),
      }).finally(() => bar?.stop());
      console.log(renderRunEnd(run));
      if (run.outcome === "failed") process.exitCode = 1;
    });

  quant
    .command("runs")
    .description("recent runs (cron and by hand), newest first")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const c = ctx();
      const list = await callJson<{ runs: RunView[] }>(base(c), c.request());
      console.log(opts.json ? JSON.stringify(list, null, 2) : renderRuns(list.runs));
    });
};
