// `npm run bench`: measures the seed's KPIs and DESIGN.md's targets on a running stack (paper venue,
// real PostgreSQL and Redis), prints a table with every target beside its figure, and writes
// build/bench/results.json and build/bench/latency.svg. `--quick` is CI's smoke test: tiny loads, and
// it fails only when a path breaks, never on a time.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { stackContext } from "../scripts/stack/context.js";
import { createProgress } from "../scripts/stack/progress.js";
import { REPO_DIR } from "../scripts/stack/state.js";
import { BENCH_BRAIN_PARAMETERS_NOTE } from "./lib/brain-parameters.js";
import { renderAsciiHistogram, renderNotes, renderTable } from "./lib/render.js";
import { failedRows, PATH_IDS, PATH_TITLES, SIGNAL_RATES_PER_SECOND, type BenchRun, type PathId, type ResultRow } from "./lib/results.js";
import { benchStack, startOwnStack, waitServicesReady, type BenchStack, type OwnStack } from "./lib/stack.js";
import { latencySvg, type HistogramPanel } from "./lib/svg.js";
import { measureBacktestReplay } from "./paths/backtest-replay.js";
import { measureConsoleDelivery } from "./paths/console-delivery.js";
import { dbStatementsRow, scrapeStatements, type StatementScrape } from "./paths/db-statements.js";
import { serverStatementsRow, snapshotServerStatements, type ServerStatementSnapshot } from "./paths/db-server-time.js";
import { IDLE_SETTLE, memoryRows, PeakSampler, settleIdle, type IdleMemory } from "./paths/memory.js";
import { measureSignalToOrder, type SignalLoad, type SignalRunResult } from "./paths/signal-to-order.js";
import { renderCpuBars } from "./lib/cpu.js";
import { measureSynth } from "./paths/synth.js";

interface Options {
  readonly quick: boolean;
  readonly only: readonly PathId[];
  readonly ownStack: boolean;
  readonly keepStack: boolean;
  readonly consoleFirstAdmin: boolean;
  readonly consoleUser?: string;
  readonly consolePasswordFile?: string;
  readonly out: string;
  readonly seconds: number;
  readonly rates: readonly number[];
  readonly warmUp: number;
}

const parsePaths = (value: string): PathId[] => {
  const ids = value.split(",").map((s) => s.trim());
  const bad = ids.filter((id) => !(PATH_IDS as readonly string[]).includes(id));
  if (bad.length > 0 || ids.length === 0) throw new InvalidArgumentError(`unknown path ${bad.join(", ")}; choose from ${PATH_IDS.join(", ")}`);
  return ids as PathId[];
};

const positiveSeconds = (value: string): number => {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError("a positive number of seconds");
  return n;
};

const nonNegativeSeconds = (value: string): number => {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError("zero or a positive number of seconds");
  return n;
};

const parseRates = (value: string): number[] => {
  const rates = value.split(",").map((s) => Number(s.trim()));
  if (rates.length === 0 || rates.some((r) => !(Number.isInteger(r) && r > 0 && r <= 10_000))) {
    throw new InvalidArgumentError("comma-separated whole signals per second, 1 to 10000 each (e.g. 25,50,100)");
  }
  return rates;
};

const program = new Command()
  .name("bench")
  .description("Measure Titan's performance targets (ops/ PERFORMANCE_TARGETS and KPIS) on a running stack and print them beside the targets")
  .option("--quick", "smoke test: tiny loads, no verdicts on times; exits 1 only when a path breaks", false)
  .option("--only <paths>", `comma-separated paths to run: ${PATH_IDS.join(", ")}`, parsePaths, [...PATH_IDS])
  .option("--own-stack", "start a stack of its own (scratch folder, free offset ports) and stop it afterwards", false)
  .option("--keep-stack", "with --own-stack: leave it running and print how to stop it", false)
  .option("--seconds <n>", "how long each signal load and the console load run (full mode)", positiveSeconds, 10)
  .option("--warm-up <seconds>", "untimed signal load at 50/s before the timed ones, so the services' hot code is compiled as in a long-running process (full mode; 0 skips it)", nonNegativeSeconds, 10)
  .option("--rates <list>", "signal loads to offer, per second (full mode); the targets are judged at each", parseRates, [SIGNAL_RATES_PER_SECOND.low, SIGNAL_RATES_PER_SECOND.target])
  .option("--console-first-admin", "console path on a fresh stack the bench did not start: enroll its first admin (bench-admin) with the setup code", false)
  .option("--console-user <username>", "console path on a stack the bench did not start: an admin (with a second factor) who invites the bench's viewer; the code comes from TITAN_OTP")
  .option("--console-password-file <file>", "that admin's password (mode 0600)")
  .option("--out <dir>", "where results.json and latency.svg go", join(REPO_DIR, "build", "bench"))
  .addHelpText(
    "after",
    [
      "",
      "Paths:",
      ...PATH_IDS.map((id) => `  ${id.padEnd(8)} ${PATH_TITLES[id]}`),
      "",
      "Without --own-stack it measures the stack TITAN_STACK_DIR and TITAN_STACK_PORT_OFFSET point at (npm start's",
      "by default): it sends real signals through it, so that stack's paper account takes the orders.",
      `With --own-stack, ${BENCH_BRAIN_PARAMETERS_NOTE}.`,
      "Services must be built (npm run build). Results: <out>/results.json, <out>/latency.svg.",
      "Examples: npm run bench -- --own-stack     npm run bench -- --quick --only signal,memory",
    ].join("\n"),
  );

const machine = () => ({ cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version });

/** Fast enough to compile every hot path, slow enough never to build a backlog. */
const SIGNAL_WARM_UP_RATE_PER_SECOND = 50;

const signalLoads = (o: Options): SignalLoad[] =>
  o.quick ? [{ ratePerSecond: 20, seconds: 2 }] : o.rates.map((ratePerSecond) => ({ ratePerSecond, seconds: o.seconds }));

const main = async (o: Options): Promise<number> => {
  const progress = createProgress();
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const wants = (p: PathId) => o.only.includes(p);
  const needsStack = wants("signal") || wants("db") || wants("memory") || wants("console");
  const rows: ResultRow[] = [];
  const panels: HistogramPanel[] = [];
  const signalRuns: SignalRunResult[] = [];
  progress.line("bench", `${o.quick ? "quick" : "full"} run of ${o.only.join(", ")}; load average ${loadAtStart.map((n) => n.toFixed(2)).join(" ")} on ${cpus().length} cores`);

  let own: OwnStack | undefined;
  let stack: BenchStack | undefined;
  try {
    if (needsStack) {
      if (o.ownStack) {
        progress.line("stack", "starting a stack of its own (scratch folder, offset ports)");
        own = await startOwnStack((line) => progress.line("stack", line.replace(/^\[\s*[\d.]+s\]\s*/, "")));
        stack = benchStack(own.ctx);
      } else {
        stack = benchStack(stackContext());
      }
      await waitServicesReady(stack, 120_000);
      progress.line("stack", `${stack.ctx.layout.root} (ports offset by ${stack.ctx.portOffset}): brain, execution, console, scavenger ready`);
    }

    if (stack && (wants("signal") || wants("db") || wants("memory"))) {
      let idle: IdleMemory | undefined;
      if (wants("memory")) {
        // The smoke test only checks the path works; at rest takes up to half a minute after a start.
        const settled = await settleIdle(stack, o.quick ? { ...IDLE_SETTLE, minAgeSeconds: 0, steadySamples: 2, maxWaitSeconds: 5 } : { ...IDLE_SETTLE, log: (line) => progress.line("memory", line) });
        progress.line("memory", `idle after ${settled.waitedSeconds.toFixed(0)} s: ${[...settled.idle].map(([s, m]) => `${s} ${m.toFixed(0)} MiB (startup peak ${settled.startupPeak.get(s)?.toFixed(0) ?? "?"})`).join(", ")}`);
        idle = settled;
      }
      const sampler = new PeakSampler(stack);
      const scrapes: StatementScrape[] = [];
      const serverSnapshots: ServerStatementSnapshot[] = [];
      const loads = wants("signal") ? signalLoads(o) : [{ ratePerSecond: SIGNAL_RATES_PER_SECOND.low, seconds: o.quick ? 2 : 5 }];
      const s = stack;
      progress.line("signal", `warming up: one probe signal must reach the venue first`);
      const result = await measureSignalToOrder(
        s,
        {
          loads,
          ...(wants("signal") && !o.quick && o.warmUp > 0 ? { warmUp: { ratePerSecond: SIGNAL_WARM_UP_RATE_PER_SECOND, seconds: o.warmUp } } : {}),
          notionalUsd: 150,
          leverage: 5,
          log: (line) => progress.line("signal", line.trim()),
          onLoadStart: async (load) => {
            // Scraped before each load (after the warm-up), and once more after the last: each load gets its own figures.
            if (wants("db")) {
              scrapes.push(await scrapeStatements(s));
              serverSnapshots.push(await snapshotServerStatements(s.adminDatabaseUrl));
            }
            if (load === loads[0]) sampler.start();
          },
        },
        o.quick,
      );
      const peaks = sampler.stop();
      if (wants("signal")) {
        rows.push(...result.rows);
        signalRuns.push(...result.runs);
        for (const run of result.runs) panels.push({ title: `signal → order at the venue, ${run.load.ratePerSecond}/s offered`, samplesSeconds: run.summary.ackLatenciesSeconds });
      }
      if (wants("db")) {
        // Everything the services ran meanwhile counts too (market-data recording, housekeeping): that is their hot path under load.
        scrapes.push(await scrapeStatements(s));
        serverSnapshots.push(await snapshotServerStatements(s.adminDatabaseUrl));
        loads.forEach((load, i) => {
          rows.push(dbStatementsRow(scrapes[i] ?? new Map(), scrapes[i + 1] ?? new Map(), load, o.quick));
          const server = serverStatementsRow(serverSnapshots[i] ?? null, serverSnapshots[i + 1] ?? null, load, o.quick);
          if (server) rows.push(server);
          else if (i === 0) progress.line("db", "PostgreSQL has no pg_stat_statements (a stack initialised before it was preloaded): no server-side figures");
        });
      }
      if (idle) rows.push(...memoryRows(idle, peaks.size > 0 ? peaks : undefined, o.quick));
    }

    if (stack && wants("console")) {
      progress.line("console", "enrolling a viewer of the bench's own and opening its sockets");
      const row = await measureConsoleDelivery(stack, { quick: o.quick, seconds: o.seconds, login: { enrollFirstAdmin: own !== undefined || o.consoleFirstAdmin, ...(o.consoleUser ? { adminUser: o.consoleUser } : {}), ...(o.consolePasswordFile ? { adminPasswordFile: o.consolePasswordFile } : {}) }, log: (line) => progress.line("console", line) });
      progress.line("console", row.notes[0] ?? row.status);
      rows.push(row);
    }
    if (wants("replay")) {
      progress.line("replay", "backtest replay in a child process pinned to one core");
      const row = await measureBacktestReplay(o.quick);
      progress.line("replay", row.notes[0] ?? row.status);
      rows.push(row);
    }
    if (wants("synth")) {
      progress.line("synth", "synthStack(\"prod\") in a fresh child process, cold then warm");
      const synthRows = await measureSynth(o.quick);
      for (const r of synthRows) progress.line("synth", `${r.title}: ${r.value?.toFixed(2) ?? r.notes[0]} s`);
      rows.push(...synthRows);
    }
  } finally {
    if (own && !o.keepStack) {
      progress.line("stack", "stopping the bench's own stack");
      await own.stop();
    } else if (own) {
      progress.line("stack", `left running: TITAN_STACK_DIR=${own.env.TITAN_STACK_DIR} TITAN_STACK_PORT_OFFSET=${own.env.TITAN_STACK_PORT_OFFSET} npm stop`);
    }
  }

  const run: BenchRun = {
    version: 1,
    mode: o.quick ? "quick" : "full",
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machine(),
    loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
    stack: stack ? { root: stack.ctx.layout.root, portOffset: stack.ctx.portOffset } : null,
    rows,
  };
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, "results.json"), `${JSON.stringify(run, null, 2)}\n`);
  if (panels.length > 0) writeFileSync(join(o.out, "latency.svg"), latencySvg(panels));

  const out: string[] = ["", renderTable(run), "", renderNotes(rows), ""];
  for (const p of panels) out.push(renderAsciiHistogram(p.title, p.samplesSeconds), "");
  for (const r of signalRuns) out.push(renderCpuBars(`signal → order at the venue, ${r.load.ratePerSecond}/s offered`, r.cpu), "");
  out.push(`results: ${join(o.out, "results.json")}${panels.length > 0 ? `, histograms: ${join(o.out, "latency.svg")}` : ""}`);
  process.stdout.write(`${out.join("\n")}\n`);

  const broken = failedRows(rows);
  if (broken.length > 0) {
    process.stdout.write(`\nbench: ${broken.length} path(s) broke: ${broken.map((r) => r.title).join("; ")}\n`);
    return 1;
  }
  return 0;
};

program.action(async (opts: Options) => {
  try {
    process.exitCode = await main(opts);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
});

await program.parseAsync();
