// What execution's state gauges say about the causes it enforces: the alerts on a lost dependency read
// titan_execution_dependency_unavailable_state, which must name execution's own dependency causes only.
import { describe, expect, it } from "vitest";
import { ServiceMetrics } from "../../shared/metrics.js";
import type { CauseRecord } from "../domain/trading-state.js";
import { WATCHED_DEPENDENCIES, executionMetrics, observeEnforcedView } from "./execution-metrics.js";

const EXECUTION = { kind: "service", id: "execution" } as const;
const lost = (dependency: CauseRecord["dependency"], state: "REDUCING" | "HALTED"): CauseRecord => ({
  cause: "dependency-unavailable",
  state,
  raisedBy: EXECUTION,
  raisedAtMs: 1,
  detail: `${dependency} unreachable`,
  dependency,
});

/** Samples of one metric from the registry's exposition, label value → value. */
const samples = async (m: ServiceMetrics, name: string, label: string): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const line of (await m.registry.metrics()).split("\n")) {
    const match = new RegExp(`^${name}\\{(.*)\\} (\\S+)$`).exec(line);
    const value = match && new RegExp(`${label}="([^"]*)"`).exec(match[1]!);
    if (match && value) out[value[1]!] = Number(match[2]);
  }
  return out;
};

describe("execution's cause gauges", () => {
  it("give every watched dependency a 0 series from the start, so an alert reads 0 rather than no data", async () => {
    const m = new ServiceMetrics("execution", { defaultMetrics: false });
    executionMetrics(m);
    expect(await samples(m, "titan_execution_dependency_unavailable_state", "dependency")).toEqual(Object.fromEntries(WATCHED_DEPENDENCIES.map((d) => [d, 0])));
    expect((await samples(m, "titan_execution_trading_cause_state", "cause"))["dependency-unavailable"]).toBe(0);
  });

  it("mark the dependencies execution's own causes name, and clear them again", async () => {
    const m = new ServiceMetrics("execution", { defaultMetrics: false });
    const metrics = executionMetrics(m);
    observeEnforcedView(metrics, { state: "HALTED", own: [lost("venue", "REDUCING"), lost("postgres", "HALTED")], brain: [] });
    expect(await samples(m, "titan_execution_dependency_unavailable_state", "dependency")).toEqual({ postgres: 1, redis: 0, venue: 1 });
    expect(await samples(m, "titan_execution_trading_state", "service")).toEqual({ execution: 2 });
    observeEnforcedView(metrics, { state: "ACTIVE", own: [], brain: [] });
    expect(await samples(m, "titan_execution_dependency_unavailable_state", "dependency")).toEqual({ postgres: 0, redis: 0, venue: 0 });
    expect(await samples(m, "titan_execution_trading_state", "service")).toEqual({ execution: 0 });
  });

  it("leave the brain's dependency causes to the brain's own gauge, while still counting them among the causes enforced", async () => {
    const m = new ServiceMetrics("execution", { defaultMetrics: false });
    const metrics = executionMetrics(m);
    observeEnforcedView(metrics, { state: "REDUCING", own: [], brain: [{ ...lost("redis", "REDUCING"), raisedBy: { kind: "service", id: "brain" } }] });
    expect(await samples(m, "titan_execution_dependency_unavailable_state", "dependency")).toEqual({ postgres: 0, redis: 0, venue: 0 });
    expect((await samples(m, "titan_execution_trading_cause_state", "cause"))["dependency-unavailable"]).toBe(1);
  });

  it("give the dead-man switch's cause its own series", async () => {
    const m = new ServiceMetrics("execution", { defaultMetrics: false });
    const metrics = executionMetrics(m);
    observeEnforcedView(metrics, { state: "REDUCING", own: [{ cause: "heartbeat-missing", state: "REDUCING", raisedBy: EXECUTION, raisedAtMs: 1, detail: "no heartbeat from the brain for 61 s" }], brain: [] });
    const causes = await samples(m, "titan_execution_trading_cause_state", "cause");
    expect(causes["heartbeat-missing"]).toBe(1);
    expect(causes["dependency-unavailable"]).toBe(0);
  });
});
