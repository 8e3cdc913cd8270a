// Path 1: signal → decision → order submitted to the (paper) venue, through every production hop: the
// scavenger's outbox and relay, the bus, the brain's inbox transaction, its outbox and relay, execution's
// intake and submitter. Timed from the signal's tsMs to execution's acked_at_ms (the venue accepted the
// order), at each requested rate, with what became of every signal that did not get that far.
import { redisTlsOptions } from "../../scripts/lib/local-servers.js";
import { Redis } from "ioredis";
import pg from "pg";
import { createDatabase, type Database } from "../../services/shared/db/database.js";
import { availableParallelism } from "node:os";
import { cpuUse, formatCpuUse, takeCpuSnapshot, type CpuTargets, type CpuUse } from "../lib/cpu.js";
import type { BenchStack } from "../lib/stack.js";
import { judge, TARGETS, type ResultRow } from "../lib/results.js";
import { formatRate, formatSeconds } from "../lib/stats.js";
import { PositionWatch, PriceWatch } from "../signal/market.js";
import { isSettled, readOutcomes, runVerdict, summariseSignalRun, type SignalRunSummary } from "../signal/outcomes.js";
import { publishAtRate } from "../signal/publisher.js";
import { benchSignal, signalPlan } from "../signal/signals.js";

export interface SignalLoad {
  readonly ratePerSecond: number;
  readonly seconds: number;
}

export interface SignalPathOptions {
  readonly loads: readonly SignalLoad[];
  readonly notionalUsd: number;
  readonly leverage: number;
  readonly log: (line: string) => void;
  /**
   * An untimed load run first (after the probe): services that ran for a day have their hot code
   * compiled by V8, and a load timed cold would measure the JIT warming up instead.
   */
  readonly warmUp?: SignalLoad;
  /** Called around each load (the memory sampler and the statement scrape hang off these). */
  readonly onLoadStart?: (load: SignalLoad) => Promise<void> | void;
}

export interface SignalRunResult {
  readonly load: SignalLoad;
  readonly published: number;
  readonly publishFailures: readonly string[];
  readonly offeredPerSecond: number;
  readonly maxScheduleLagMs: number;
  readonly summary: SignalRunSummary;
  /** CPU per published signal, publish start to settled (background work in that window included). */
  readonly cpu: CpuUse;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Wiring {
  readonly admin: pg.Pool;
  readonly scavengerDb: Database;
  readonly redis: Redis;
  readonly prices: PriceWatch;
  readonly positions: PositionWatch;
  readonly symbols: string[];
  readonly cpuTargets: CpuTargets;
}

const connect = async (stack: BenchStack): Promise<Wiring> => {
  const admin = new pg.Pool({ connectionString: stack.adminDatabaseUrl, max: 2, application_name: "titan-bench" });
  const creds = stack.serviceDatabase("scavenger");
  // As many connections as the scavenger role is allowed to need for a burst: the publisher's ceiling.
  const scavengerDb = createDatabase({ url: creds.url, password: creds.password, applicationName: "titan-bench-publisher", maxConnections: 16 });
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true, ...redisTlsOptions(stack.redisUrl, stack.caFile) });
  await redis.connect();
  const prices = new PriceWatch(redis);
  const symbols = [...(await prices.start()).keys()].sort();
  const positions = new PositionWatch(admin);
  await positions.start();
  return { admin, scavengerDb, redis, prices, positions, symbols, cpuTargets: stack.cpuTargets() };
};

const close = async (w: Wiring): Promise<void> => {
  w.prices.stop();
  w.positions.stop();
  await Promise.allSettled([w.admin.end(), w.scavengerDb.close()]);
  w.redis.disconnect();
};

/** Waits until every signal is decided and every approved one's command settled, or the deadline. */
const waitSettled = async (w: Wiring, ids: readonly string[], timeoutMs: number, log: (line: string) => void): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let lastLogMs = 0;
  for (;;) {
    const rows = await readOutcomes(w.admin, ids);
    const settled = rows.filter(isSettled).length;
    if (settled === ids.length) return;
    if (Date.now() >= deadline) {
      log(`  ${ids.length - settled} of ${ids.length} signals not settled after ${(timeoutMs / 1000).toFixed(0)} s; measuring what arrived`);
      return;
    }
    if (Date.now() - lastLogMs >= 2_000) {
      lastLogMs = Date.now();
      const decided = rows.filter((r) => r.decidedAtMs !== null || r.rejectedReason !== null).length;
      log(`  settling: ${decided}/${ids.length} decided, ${rows.filter((r) => r.ackedAtMs !== null).length} at the venue`);
    }
    await sleep(500);
  }
};

let runCounter = 0;

const runOnce = async (w: Wiring, load: SignalLoad, opts: SignalPathOptions): Promise<SignalRunResult> => {
  const count = Math.max(1, Math.round(load.ratePerSecond * load.seconds));
  const base = runCounter++ * 1_000_003; // side alternation continues across runs
  opts.log(`  publishing ${count} signals at ${load.ratePerSecond}/s over ${w.symbols.join(", ")}`);
  const cpuBefore = takeCpuSnapshot(w.cpuTargets);
  const published = await publishAtRate(w.scavengerDb, {
    ratePerSecond: load.ratePerSecond,
    count,
    maxInFlight: 64,
    make: (i, nowMs) => {
      const { symbol, side } = signalPlan(base + i, w.symbols, (symbol) => w.positions.side(symbol));
      return benchSignal({ symbol, side, priceUsd: w.prices.price(symbol), notionalUsd: opts.notionalUsd, leverage: opts.leverage, tsMs: nowMs });
    },
    onProgress: (n) => {
      if (n % Math.max(1, load.ratePerSecond * 2) === 0) opts.log(`  published ${n}/${count}`);
    },
  });
  const publishedIds = published.signalIds.filter((id) => !published.failures.some((f) => f.startsWith(id)));
  // A backlog drains at the brain's pace: allow 20 ms a signal (50/s, a loaded machine's), a minute at least.
  await waitSettled(w, publishedIds, Math.max(60_000, publishedIds.length * 20), opts.log);
  const cpu = cpuUse(cpuBefore, takeCpuSnapshot(w.cpuTargets), publishedIds.length, availableParallelism());
  const summary = summariseSignalRun(await readOutcomes(w.admin, publishedIds));
  const offeredPerSecond = (publishedIds.length * 1000) / Math.max(1, published.lastCommittedMs - published.firstSentMs);
  opts.log(
    `  ${load.ratePerSecond}/s: offered ${formatRate(offeredPerSecond)}, decided ${formatRate(summary.decisionsPerSecond)}, at the venue ${summary.acked}/${summary.offered}` +
      (summary.signalToAck ? ` (p50 ${formatSeconds(summary.signalToAck.p50Seconds)}, p99 ${formatSeconds(summary.signalToAck.p99Seconds)})` : ""),
  );
  opts.log(`  ${formatCpuUse(cpu)}`);
  return { load, published: publishedIds.length, publishFailures: published.failures, offeredPerSecond, maxScheduleLagMs: published.maxScheduleLagMs, summary, cpu };
};

/**
 * One probe signal must reach the venue before the timed runs: the brain needs execution's equity
 * snapshot and prices first, and the probe warms every process's JIT. Returns why it never did.
 */
const warmUp = async (w: Wiring, opts: SignalPathOptions, timeoutMs: number): Promise<string | null> => {
  const deadline = Date.now() + timeoutMs;
  let last = "no price on the market-data stream yet";
  while (Date.now() < deadline) {
    if (w.symbols.length === 0) {
      await sleep(1_000);
      w.symbols.push(...[...(await new PriceWatch(w.redis).start()).keys()].sort());
      continue;
    }
    const symbol = w.symbols[0] as string;
    // The background watch may not have caught the symbol's first trade yet (a stack just started).
    if (!(w.prices.price(symbol) > 0)) {
      await sleep(500);
      continue;
    }
    const signal = benchSignal({ symbol, side: "long", priceUsd: w.prices.price(symbol), notionalUsd: opts.notionalUsd, leverage: opts.leverage, tsMs: Date.now() });
    await publishAtRate(w.scavengerDb, { ratePerSecond: 1, count: 1, maxInFlight: 1, make: (_, nowMs) => ({ ...signal, tsMs: nowMs }) });
    await waitSettled(w, [signal.signalId], 10_000, () => undefined);
    const [row] = await readOutcomes(w.admin, [signal.signalId]);
    if (row?.ackedAtMs !== null && row?.ackedAtMs !== undefined) return null;
    last = row?.decidedAtMs === null ? `not decided (${row?.rejectedReason ?? "no decision"})` : row?.outcome !== "approved" ? `${row?.outcome}: ${row?.reason}` : `command ${row?.commandStatus ?? "not received"}: ${row?.refusalReason ?? ""}`;
    await sleep(2_000);
  }
  return last;
};

const HOP_NAMES = { scavengerRelay: "tsMs → on the bus", busToDecision: "bus → decided", decisionToExecution: "decided → execution", executionToAck: "execution → venue ack" } as const;

const hopText = (s: SignalRunSummary): string =>
  (Object.keys(HOP_NAMES) as Array<keyof typeof HOP_NAMES>)
    .map((k) => {
      const h = s.hops[k];
      return h ? `${HOP_NAMES[k]} ${formatSeconds(h.p50Seconds)} / ${formatSeconds(h.p99Seconds)}` : `${HOP_NAMES[k]} —`;
    })
    .join("; ");

const rowFor = (r: SignalRunResult, quick: boolean): ResultRow => {
  const s = r.summary;
  const verdict = runVerdict(s);
  const [broken, saturated] = [verdict === "broken", verdict === "saturated"];
  // The row's figure is the achieved throughput: decisions per second, the brain being the narrowest hop.
  const row = { ...(s.signalToAck ? { latency: s.signalToAck } : {}), value: s.decisionsPerSecond };
  return {
    id: `signal@${r.load.ratePerSecond}`,
    path: "signal",
    title: `signal → order at the venue, ${r.load.ratePerSecond}/s offered`,
    status: broken ? "failed" : "measured",
    unit: "seconds",
    ...row,
    targets: quick ? [] : judge(row, TARGETS.signalToOrder),
    notes: [
      `offered ${formatRate(r.offeredPerSecond)} (publisher at most ${r.maxScheduleLagMs.toFixed(0)} ms behind schedule); decided ${formatRate(s.decisionsPerSecond)}; at the venue ${formatRate(s.acksPerSecond)}`,
      `${s.acked} of ${s.offered} signals reached the venue${Object.keys(s.notSubmitted).length ? `; the rest: ${Object.entries(s.notSubmitted).map(([k, n]) => `${k} ${n}`).join(", ")}` : ""}`,
      `hops of the signals that reached the venue (p50 / p99): ${hopText(s)}`,
      formatCpuUse(r.cpu),
      ...(s.hops.signalToDecision ? [`every decided signal, tsMs → decision: p50 ${formatSeconds(s.hops.signalToDecision.p50Seconds)}, p99 ${formatSeconds(s.hops.signalToDecision.p99Seconds)} (a backlog shows here first)`] : []),
      ...(r.publishFailures.length ? [`${r.publishFailures.length} publishes failed, first: ${r.publishFailures[0]}`] : []),
      ...(s.notSubmitted["vetoed:stale"] ? ["the percentiles cover only signals that reached the venue: the brain vetoes a signal older than its freshness window, so a backlog is cut off there and shows in the line above instead"] : []),
      ...(broken ? ["no signal reached the venue: the path is broken"] : []),
      ...(saturated ? ["saturated: the brain vetoed every signal (see the decision latency above), so no latency to the venue can be given at this load"] : []),
    ],
    details: { load: r.load, offeredPerSecond: r.offeredPerSecond, maxScheduleLagMs: r.maxScheduleLagMs, ...s, ackLatenciesSeconds: undefined, cpuMsPerSignal: Object.fromEntries(r.cpu.msPerUnit), machineCpuMsPerSignal: r.cpu.machineMsPerUnit, machineBusyShare: r.cpu.machineBusyShare },
  };
};

export interface SignalPathResult {
  readonly rows: ResultRow[];
  readonly runs: SignalRunResult[];
}

export const measureSignalToOrder = async (stack: BenchStack, opts: SignalPathOptions, quick: boolean): Promise<SignalPathResult> => {
  const w = await connect(stack);
  try {
    const problem = await warmUp(w, opts, quick ? 60_000 : 90_000);
    if (problem !== null) {
      const row: ResultRow = { id: "signal", path: "signal", title: "signal → order at the venue", status: "failed", unit: "seconds", targets: [], notes: [`a probe signal never reached the venue: ${problem}`] };
      return { rows: [row], runs: [] };
    }
    opts.log("  a probe signal reached the venue; the path works");
    if (opts.warmUp) {
      opts.log(`  warming the services' JIT: ${opts.warmUp.ratePerSecond}/s for ${opts.warmUp.seconds} s, untimed`);
      await runOnce(w, opts.warmUp, { ...opts, log: () => undefined });
    }
    const runs: SignalRunResult[] = [];
    for (const load of opts.loads) {
      await opts.onLoadStart?.(load);
      runs.push(await runOnce(w, load, opts));
    }
    return { rows: runs.map((r) => rowFor(r, quick)), runs };
  } finally {
    await close(w);
  }
};
