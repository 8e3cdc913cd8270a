// Fuzzing every stream the services consume with malformed, mutated and extreme messages built from the
// contracts' MESSAGES registry: the brain (signals, portfolio messages, market data), execution (order
// and control commands, the brain's trading state and heartbeats) and the scavenger (closed trades,
// market data, account snapshots). Each service runs in this process on its own database and Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceName } from "../../ops/services.js";
import { createBrainService } from "../../services/brain/service.js";
import { createExecutionService } from "../../services/execution/service.js";
import { createScavengerService, scavengerInstances } from "../../services/scavenger/service.js";
import type { ServiceMetrics } from "../../services/shared/metrics.js";
import { BusFuzzer, formatChannelTallies, type BusChannel, type ChannelTally, type ReaderProgress } from "./support/bus-fuzz.js";
import { startFuzzTarget, type FuzzTarget } from "./support/fuzz-target.js";
import { fuzzRunSettings } from "./support/run-settings.js";

/** Sum of a counter's series, optionally only those whose labels match. */
const counterSum = async (metrics: ServiceMetrics, what: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = metrics.registry.getSingleMetric(metrics.name(what));
  if (!metric) throw new Error(`no metric ${metrics.name(what)}`);
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x)).reduce((sum, v) => sum + v.value, 0);
};

/** The fuzzer treats every service alike; each start returns its own service's target. */
const widen = async <S extends ServiceName>(target: Promise<FuzzTarget<S>>): Promise<FuzzTarget> => (await target) as unknown as FuzzTarget;

const group = (...types: BusChannel["type"][]): BusChannel[] => types.map((type) => ({ type, kind: "group" }));
const reader = (...types: BusChannel["type"][]): BusChannel[] => types.map((type) => ({ type, kind: "reader" }));

interface Subject {
  readonly service: ServiceName;
  readonly start: () => Promise<FuzzTarget>;
  readonly channels: readonly BusChannel[];
  readonly reader?: (target: FuzzTarget) => ReaderProgress;
}

const SUBJECTS: readonly Subject[] = [
  {
    service: "brain",
    start: () => widen(startFuzzTarget(createBrainService({ env: {} }))),
    channels: [...group("signal", "execution-report", "equity-snapshot", "position-snapshot"), ...reader("market-trade", "market-ticker", "market-kline")],
    reader: (t) => ({
      handled: () => counterSum(t.running.ctx.metrics, "market_data_messages_total"),
      dropped: () => counterSum(t.running.ctx.metrics, "market_data_messages_total", { outcome: "malformed" }),
    }),
  },
  {
    service: "execution",
    start: () => widen(startFuzzTarget(createExecutionService({ env: {}, marketData: null }))),
    channels: group("order-command", "control-command", "trading-state", "heartbeat"),
  },
  {
    service: "scavenger",
    start: () => widen(startFuzzTarget(createScavengerService({ warmupEntries: 100, fallbackAllocationUsd: 10_000 }))),
    channels: [...group("trade-closed"), ...reader("market-trade", "market-kline", "market-open-interest", "market-funding", "market-ticker", "equity-snapshot", "position-snapshot")],
    reader: (t) => {
      const instance = () => {
        const found = scavengerInstances.get(t.running.ctx as never);
        if (!found) throw new Error("the scavenger instance is not registered");
        return found;
      };
      return { handled: async () => instance().reader.entriesRead, dropped: () => counterSum(t.running.ctx.metrics, "bad_market_data_dropped_total") };
    },
  },
];

const settings = fuzzRunSettings();
const channelCount = SUBJECTS.reduce((n, s) => n + s.channels.length, 0);

describe("every consumed stream under malformed and hostile messages", () => {
  const running: Array<{ subject: Subject; target: FuzzTarget; fuzzer: BusFuzzer<ServiceName> }> = [];
  const tallies: ChannelTally[] = [];

  beforeAll(async () => {
    for (const subject of SUBJECTS) {
      const target = await subject.start();
      const fuzzer = new BusFuzzer({ target, channels: subject.channels, ...(subject.reader ? { reader: subject.reader(target) } : {}) });
      running.push({ subject, target, fuzzer });
      await fuzzer.ready();
    }
  }, 180_000);

  afterAll(async () => {
    if (tallies.length > 0) {
      const total = tallies.reduce((n, t) => n + t.cases, 0);
      const seconds = tallies.reduce((s, t) => s + t.totalMs, 0) / 1000;
      process.stdout.write(`\nbus fuzz: ${total} messages over ${tallies.length} channels in ${seconds.toFixed(1)} s\n`);
    }
    for (const { target, fuzzer } of running) {
      await fuzzer.close();
      await target.stop();
    }
  }, 60_000);

  it(
    "dead-letters (groups) or drops with a count (readers) every malformed message, gives every valid one an outcome, logs no error and changes no table but the dead letters",
    async () => {
      const failures: string[] = [];
      for (const { subject, fuzzer } of running) {
        for (const channel of subject.channels) {
          if (settings.only && !settings.only.test(`${subject.service} ${channel.kind} ${channel.type}`)) continue;
          try {
            const tally = await fuzzer.fuzzChannel(channel, settings.runsPerEndpoint);
            tallies.push(tally);
            if (settings.showProgress) process.stdout.write(`${formatChannelTallies([tally])}\n`);
          } catch (err) {
            const cause = (err as Error).cause;
            // What went wrong first, then fast-check's report (counterexample and seed), each cut to a readable length.
            failures.push(`${cause instanceof Error ? cause.message.slice(0, 4_000) : ""}\n${(err as Error).message.slice(0, 4_000)}`);
            if (settings.showProgress) process.stdout.write(`${subject.service} ${channel.kind} ${channel.type}: FAILED\n${failures.at(-1)?.slice(0, 2_000) ?? ""}\n`);
          }
        }
      }
      expect(failures, failures.join("\n\n")).toEqual([]);
    },
    settings.timeoutMs(settings.runsPerEndpoint * channelCount * 4),
  );

  it("keeps every consumer reading afterwards: a valid message on each stream is handled", async () => {
    for (const { subject, fuzzer } of running) for (const channel of subject.channels) await fuzzer.probe(channel);
  }, 60_000);

  it("runs the scavenger's minute over every market message it accepted (its timer is held while fuzzing), without an error", async () => {
    const scavenger = running.find((r) => r.subject.service === "scavenger")!;
    const instance = scavengerInstances.get(scavenger.target.running.ctx as never)!;
    scavenger.target.logs.take();
    const result = instance.engine.recompute();
    expect(result.tsMs).toBeGreaterThan(0);
    expect(scavenger.target.logs.takeErrors()).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${scavenger.target.running.port}/traps`, { headers: { authorization: scavenger.target.authorization.viewer } })).status).toBe(200);
  });
});
