// Issue 12, dependency faults: PostgreSQL stopped, Redis stopped, the venue failing (5xx from its
// gateway, timeouts, rate limits, unreachable) and each service SIGKILLed, with brain, execution and
// scavenger as real processes. Each time: execution reports the fail-closed state domain.md requires, the
// brain reports its own cause for the outages it sees (HALTED without PostgreSQL, REDUCING without Redis)
// and ACTIVE for the ones only execution sees, no order reaches the venue while it does, nothing
// persisted is lost, and trading resumes by itself once the dependency is back (after a clean
// reconciliation where the rule asks for one). The time to halt and to resume of each fault, and the
// brain's time to report and to clear, are printed at the end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECOVERY_TIME_OBJECTIVES } from "../../../ops/index.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { filled, formatFigures, runFault, sentSignalIds, settled, signalToOrder, type FaultFigures, type FaultScenario } from "./fault-run.js";
import { startFaultWorld, startServices, type FaultWorld, type TradingService } from "./world.js";

const VENUE_CAUSE = { state: "REDUCING", cause: "dependency-unavailable" } as const;
/** The venue is execution's alone: the brain cannot see it and has no rule to restrict trading for it. */
const BRAIN_UNAFFECTED = { state: "ACTIVE" } as const;
/** Long enough for execution to see the venue gone and for the signals sent meanwhile. */
const VENUE_DOWNTIME_MS = 8_000;

let venueRestart: Promise<void> | null = null;

const restart = (service: TradingService) => async (world: FaultWorld) => world.services[service].start();

const SCENARIOS: readonly FaultScenario[] = [
  {
    name: "PostgreSQL stopped",
    inject: async (w) => w.stopPostgres(),
    restore: (w) => w.startPostgres(),
    degraded: { state: "HALTED", cause: "dependency-unavailable" },
    dependency: "postgres",
    brain: { state: "HALTED", dependency: "postgres" },
  },
  {
    name: "Redis stopped",
    inject: (w) => w.stopRedis(),
    restore: (w) => w.startRedis(),
    degraded: { state: "REDUCING", cause: "dependency-unavailable" },
    dependency: "redis",
    brain: { state: "REDUCING", dependency: "redis" },
  },
  { name: "venue gateway answering 503", inject: async (w) => w.gateway.failWith(503), restore: async (w) => w.gateway.pass(), degraded: VENUE_CAUSE, dependency: "venue", brain: BRAIN_UNAFFECTED },
  {
    name: "venue timing out",
    // Each request is held past execution's own timeout, then dropped.
    inject: async (w) => w.sim.inject.hang({ count: 1_000_000, hangMs: 1_500 }),
    restore: async (w) => w.sim.inject.clear(),
    degraded: VENUE_CAUSE,
    dependency: "venue",
    brain: BRAIN_UNAFFECTED,
  },
  {
    name: "venue rate-limiting (10006)",
    inject: async (w) => w.sim.inject.rateLimit({ count: 1_000_000 }),
    restore: async (w) => w.sim.inject.clear(),
    degraded: VENUE_CAUSE,
    dependency: "venue",
    brain: BRAIN_UNAFFECTED,
  },
  {
    name: "venue unreachable (REST and streams)",
    inject: async (w) => {
      venueRestart = w.sim.inject.restart({ downtimeMs: VENUE_DOWNTIME_MS });
    },
    restore: async () => {
      await venueRestart;
    },
    degraded: VENUE_CAUSE,
    dependency: "venue",
    brain: BRAIN_UNAFFECTED,
  },
  { name: "brain SIGKILLed", inject: (w) => w.services.brain.kill(), restore: restart("brain"), degraded: { state: "REDUCING", cause: "heartbeat-missing" }, brain: { state: "unreachable" } },
  // Nothing is left to place an order; the restarted process reconciles before it takes a command.
  { name: "execution SIGKILLed", inject: (w) => w.services.execution.kill(), restore: restart("execution"), degraded: null, brain: BRAIN_UNAFFECTED },
];

describe("fail-closed under dependency faults, and back by itself", () => {
  let world: FaultWorld;
  const figures: FaultFigures[] = [];

  beforeAll(async () => {
    world = await startFaultWorld("fail-closed");
    await startServices(world);
    // A position is open before any fault: it must survive each one.
    await filled(world, await signalToOrder(world));
    await settled(world);
  }, 180_000);

  afterAll(async () => {
    if (figures.length > 0) process.stdout.write(`\nfault figures (issue 12):\n${formatFigures(figures)}\n\n`);
    await world?.close();
  }, 60_000);

  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: fail-closed, no order, nothing lost, resumes by itself`, async () => {
      const result = await runFault(world, scenario);
      figures.push(result);
      expect(result.resumeMs / 1000).toBeLessThanOrEqual(RECOVERY_TIME_OBJECTIVES.criticalServices.seconds);
    }, 240_000);
  }

  it("scavenger SIGKILLed: no rule restricts trading for it; it comes back with its configuration and reads again", async () => {
    const { scavenger, execution, brain } = world.services;
    const readMessages = () => scavenger.value("titan_scavenger_market_data_messages_total");
    const configVersion = await scavenger.value("titan_scavenger_active_config_version_info");
    expect(configVersion).not.toBeNull();
    await scavenger.kill();
    // The rest of the signal path does not depend on the strategy process: an order still goes through.
    await signalToOrder(world);
    expect(await execution.tradingState()).toBe("ACTIVE");
    expect(await brain.tradingState()).toBe("ACTIVE");
    scavenger.start();
    const restartedAt = Date.now();
    await waitFor(async () => (await scavenger.ready()) === true && ((await readMessages()) ?? 0) > 0, 60_000, "the scavenger ready and reading market data again");
    expect(await scavenger.value("titan_scavenger_active_config_version_info")).toBe(configVersion);
    figures.push({
      fault: "scavenger SIGKILLed",
      degradedState: "ACTIVE (no rule restricts)",
      brainWhileDegraded: "ACTIVE",
      haltMs: null,
      resumeMs: Date.now() - restartedAt,
      firstOrderMs: null,
      signalsWhileDegraded: 0,
      signalOutcomes: "—",
      ordersWhileDegraded: 0,
      brainReportMs: null,
      brainClearMs: null,
    });
  }, 120_000);

  it("lost no message across all the faults: every signal sent was decided once, every approved command settled, every order placed once", async () => {
    await settled(world, 60_000);
    const { rows } = await world.db.query<{ signal_id: string; n: number }>("SELECT signal_id, count(*)::int AS n FROM brain.decisions WHERE signal_id = ANY($1::uuid[]) GROUP BY signal_id", [sentSignalIds]);
    expect(rows.length).toBe(new Set(sentSignalIds).size);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const perLinkId = Object.values(world.sim.state().ordersPerOrderLinkId as Record<string, number>);
    expect(Math.max(...perLinkId)).toBe(1);
    for (const s of Object.values(world.services)) expect(s.unexpectedExits, `${s.service} exited on its own`).toEqual([]);
  }, 90_000);
});
