// One fault, run the same way for every dependency: settle, break it, time how long until execution
// and the brain report the fail-closed state, keep signals coming while it is broken (none may become an
// order, and both must hold their state) until the alerts for it fire in Prometheus, bring it back, time
// how long until each reports ACTIVE again by itself and the alerts resolve, and prove it with a fresh
// signal that reaches the venue. The figures are collected for the test's report.
import { expect } from "vitest";
import { clientOrderIdFor } from "../../../services/brain/domain/index.js";
import { parseEnvelope, streamOf } from "../../../services/shared/contracts/index.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { shadowPositionMap, simPositionMap } from "../execution/harness.js";
import type { AlertWatch, ExpectedAlert } from "./alert-watch.js";
import { alertFigures, type FaultFigures } from "./figures.js";
import type { TradingStateName } from "./service-process.js";
import { sendSignal, signalAt, type FaultWorld } from "./world.js";

export interface FaultScenario {
  readonly name: string;
  /** Breaks the dependency; resolves once it is broken. */
  inject(world: FaultWorld): Promise<void>;
  /** Brings it back; resolves once it is back (a restarted service: once its process runs). */
  restore(world: FaultWorld): Promise<void>;
  /**
   * What execution must report while the dependency is gone (domain.md, "Trading state"), or null when
   * execution is itself what was killed: then nothing can place an order at all.
   */
  readonly degraded: { readonly state: TradingStateName; readonly cause: string } | null;
  /** For a lost dependency: its name in execution's cause, which clears only after a clean reconciliation once it is back. */
  readonly dependency?: "postgres" | "redis" | "venue";
  /**
   * What the brain must report throughout the fault: its own `dependency-unavailable` cause for an outage
   * it sees itself (PostgreSQL, Redis), ACTIVE for one only execution sees, `unreachable` when it was killed.
   */
  readonly brain: BrainExpectation;
  /** The alerts that must fire while the fault lasts and resolve once it is over (one is enough to page). */
  readonly alerts: readonly ExpectedAlert[];
}

export type BrainExpectation = { readonly state: "ACTIVE" | "unreachable" } | { readonly state: "REDUCING" | "HALTED"; readonly dependency: "postgres" | "redis" };

/** Every signal this run put on the bus: the final check finds a decision for each (no message lost). */
export const sentSignalIds: string[] = [];

/** How long one fault may take to show, and to clear: generous bounds for a busy shared machine. */
const HALT_WITHIN_MS = 30_000;
const RESUME_WITHIN_MS = 90_000;
/** How long an alert may take to fire (its `for` is capped in the test rendering) and to resolve. */
const ALERT_FIRE_WITHIN_MS = 30_000;
const ALERT_RESOLVE_WITHIN_MS = 30_000;
/** How long signals keep arriving while the dependency is gone, at least (and until its alerts fire). */
const HOLD_MS = 2_000;
const SIGNAL_EVERY_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const elapsedUntil = async (from: number, what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<number> => {
  await waitFor(() => probe().catch(() => false), timeoutMs, what);
  return Date.now() - from;
};

/** Sends a fresh signal; when the bus took it, waits until its order reached the venue. Returns the order's link id. */
export async function signalToOrder(world: FaultWorld, timeoutMs = 30_000): Promise<string> {
  let signalId = "";
  await waitFor(async () => {
    const signal = signalAt(world); // made afresh on each try: a signal that waited would be stale
    if (!(await sendSignal(world, signal))) return false;
    sentSignalIds.push(signal.signalId);
    signalId = signal.signalId;
    return true;
  }, timeoutMs, "the bus to take a signal");
  const linkId = clientOrderIdFor(signalId);
  try {
    await waitFor(async () => ((world.sim.state().ordersPerOrderLinkId as Record<string, number>)[linkId] ?? 0) > 0, timeoutMs, `signal ${signalId}'s order at the venue`);
  } catch (err) {
    throw new Error(`${(err as Error).message}; what became of it: ${await signalOutcomes(world, [signalId]).catch((e: Error) => `unknown (${e.message})`)}`, { cause: err });
  }
  return linkId;
}

/** Waits until execution recorded a fill of the order; on a timeout, says what the venue made of it. */
export async function filled(world: FaultWorld, linkId: string, timeoutMs = 30_000): Promise<void> {
  try {
    await waitFor(async () => ((await world.db.query("SELECT 1 FROM execution.fills WHERE client_order_id = $1", [linkId])).rowCount ?? 0) > 0, timeoutMs, `a fill of ${linkId} in execution`);
  } catch (err) {
    const venueOrder = (world.sim.state().orders as Array<{ orderLinkId?: string }>).find((o) => o.orderLinkId === linkId);
    throw new Error(`${(err as Error).message}; the venue's order: ${JSON.stringify(venueOrder)}`, { cause: err });
  }
}

/** Every signal sent so far is decided and every approved one has an outcome in execution: nothing is in flight. */
export async function settled(world: FaultWorld, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => {
    const { rows } = await world.db.query<{ decided: number; pending: number }>(
      `SELECT (SELECT count(*)::int FROM brain.decisions WHERE signal_id = ANY($1::uuid[])) AS decided,
              (SELECT count(*)::int FROM brain.decisions d WHERE d.outcome = 'approved' AND d.signal_id = ANY($1::uuid[])
                 AND NOT EXISTS (SELECT 1 FROM execution.order_commands c WHERE c.client_order_id = d.client_order_id AND c.status IN ('submitted', 'refused'))) AS pending`,
      [sentSignalIds],
    );
    return rows[0]?.decided === new Set(sentSignalIds).size && rows[0]?.pending === 0;
  }, timeoutMs, "every signal sent to be decided and every approved command settled");
}

interface KeptState {
  readonly brainVersion: number;
  readonly decisions: number;
  readonly commands: number;
  readonly fills: number;
}

const keptState = async (world: FaultWorld): Promise<KeptState> => {
  const { rows } = await world.db.query<KeptState>(
    `SELECT (SELECT version::int FROM brain.state) AS "brainVersion", (SELECT count(*)::int FROM brain.decisions) AS decisions,
            (SELECT count(*)::int FROM execution.order_commands) AS commands, (SELECT count(*)::int FROM execution.fills) AS fills`,
  );
  return rows[0]!;
};

const positionsAgree = async (world: FaultWorld): Promise<boolean> => JSON.stringify(await shadowPositionMap(world.db)) === JSON.stringify(simPositionMap(world.sim));

/** What the brain reports: its state (with its dependency cause, if any), or `unreachable`; a slow scrape is asked again. */
async function brainReport(world: FaultWorld): Promise<string> {
  const brain = world.services.brain;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const samples = await brain.metrics();
    if (samples === null) continue;
    const state = await brain.tradingState();
    const causes = await brain.causes();
    if (state !== null) return causes.includes("dependency-unavailable") ? `${state} (dependency-unavailable)` : state;
  }
  return "unreachable";
}

const expectedBrainReport = (e: BrainExpectation): string => (e.state === "REDUCING" || e.state === "HALTED" ? `${e.state} (dependency-unavailable)` : e.state);

export async function runFault(world: FaultWorld, scenario: FaultScenario): Promise<FaultFigures> {
  const watch = world.monitoring.watch(scenario.alerts);
  try {
    return await runWatchedFault(world, scenario, watch);
  } finally {
    await watch.stop();
  }
}

async function runWatchedFault(world: FaultWorld, scenario: FaultScenario, watch: AlertWatch): Promise<FaultFigures> {
  const execution = world.services.execution;
  const brainExpected = expectedBrainReport(scenario.brain);
  const brainRestricted = scenario.brain.state === "REDUCING" || scenario.brain.state === "HALTED";
  await settled(world);
  await waitFor(async () => (await execution.tradingState()) === "ACTIVE" && (await positionsAgree(world)), 30_000, "ACTIVE trading and positions matching the venue before the fault");
  const before = await keptState(world);
  const shadowBefore = await shadowPositionMap(world.db);
  await watch.quiet(ALERT_RESOLVE_WITHIN_MS);

  // Timed from the command: the brain may see Redis go before the command returns (it waits for the exit).
  const injectedAt = Date.now();
  await scenario.inject(world);
  const degraded = scenario.degraded;
  const [haltMs, brainReportMs] = await Promise.all([
    degraded === null
      ? null
      : elapsedUntil(injectedAt, `execution to report ${degraded.state} (${degraded.cause})`, async () => (await execution.tradingState()) === degraded.state && (await execution.causes()).includes(degraded.cause), HALT_WITHIN_MS),
    brainRestricted ? elapsedUntil(injectedAt, `the brain to report ${brainExpected}`, async () => (await brainReport(world)) === brainExpected, HALT_WITHIN_MS) : null,
  ]);

  // Without PostgreSQL the bus still works: the brain's heartbeat carries its HALTED state to whoever listens.
  if (scenario.brain.state === "HALTED") await waitFor(async () => (await latestBrainBeatState(world)) === "HALTED", HALT_WITHIN_MS, "a brain heartbeat saying HALTED");

  // Signals keep coming while the dependency is gone, until its alerts fire; the state must hold and no order may leave.
  const degradedSignals: string[] = [];
  const brainStates = new Set<string>();
  const holdUntil = Date.now() + HOLD_MS;
  const alertsBy = injectedAt + ALERT_FIRE_WITHIN_MS;
  while (Date.now() < holdUntil || (!watch.allFired() && Date.now() < alertsBy)) {
    const signal = signalAt(world);
    if (await sendSignal(world, signal)) {
      sentSignalIds.push(signal.signalId);
      degradedSignals.push(signal.signalId);
    }
    if (scenario.degraded) expect(await execution.tradingState(), `${scenario.name}: the state held while degraded`).toBe(scenario.degraded.state);
    const brainNow = await brainReport(world);
    brainStates.add(brainNow);
    expect(brainNow, `${scenario.name}: what the brain reported while degraded`).toBe(brainExpected);
    await sleep(SIGNAL_EVERY_MS);
  }
  // Fired while the fault lasted (or the reason it did not, with what Prometheus had active).
  const alertsFired = await watch.firing(injectedAt, 0);
  const restoreFrom = Date.now();
  const ordersWhileDegraded = world.gateway.ordersBetween(injectedAt, restoreFrom).length;

  await scenario.restore(world);
  const restoredAt = Date.now();
  watch.restored(restoredAt);
  const [resumeMs, brainClearMs] = await Promise.all([
    elapsedUntil(restoredAt, "execution to report ACTIVE again", async () => (await execution.tradingState()) === "ACTIVE" && (await execution.causes()).length === 0, RESUME_WITHIN_MS),
    brainRestricted ? elapsedUntil(restoredAt, "the brain to report ACTIVE again", async () => (await brainReport(world)) === "ACTIVE", RESUME_WITHIN_MS) : null,
  ]);
  const resumedAt = Date.now();
  if (scenario.dependency) await expectClearedAfterCleanReconciliation(world, scenario.dependency, restoreFrom, resumedAt);
  if (scenario.brain.state === "REDUCING" || scenario.brain.state === "HALTED") await expectBrainEpisodeAudited(world, scenario.brain, injectedAt, restoreFrom);
  const linkId = await signalToOrder(world);
  const firstOrderMs = Date.now() - restoredAt;
  await filled(world, linkId);

  // Nothing was lost or rewound: the counts only grew, and the shadow positions (the one before the fault
  // plus the fresh order's) match the venue's again.
  await settled(world);
  await waitFor(() => positionsAgree(world), 30_000, "the shadow positions to match the venue after the fault");
  const after = await keptState(world);
  expect(after.brainVersion).toBeGreaterThanOrEqual(before.brainVersion);
  expect(after.decisions).toBeGreaterThan(before.decisions);
  expect(after.commands).toBeGreaterThan(before.commands);
  const fillIds = async () => (await world.db.query<{ fill_id: string }>("SELECT fill_id FROM execution.fills")).rows.map((r) => r.fill_id);
  const venueFillIds = (world.sim.state().executions as Array<{ execId: string }>).map((e) => e.execId);
  expect(after.fills, `fills recorded ${JSON.stringify(await fillIds())}, the venue's ${JSON.stringify(venueFillIds)}`).toBeGreaterThan(before.fills);
  for (const [symbol, position] of Object.entries(shadowBefore)) expect((await shadowPositionMap(world.db))[symbol]?.side, `${symbol} kept its side`).toBe(position.side);
  for (const s of Object.values(world.services)) expect(s.unexpectedExits, `${s.service} exited on its own`).toEqual([]);

  expect(ordersWhileDegraded, `${scenario.name}: orders sent while degraded`).toBe(0);
  const alertsResolved = await watch.resolved(ALERT_RESOLVE_WITHIN_MS);
  return {
    fault: scenario.name,
    degradedState: scenario.degraded ? `${scenario.degraded.state} (${scenario.degraded.cause})` : "process gone",
    haltMs,
    resumeMs,
    firstOrderMs,
    signalsWhileDegraded: degradedSignals.length,
    signalOutcomes: await signalOutcomes(world, degradedSignals),
    ordersWhileDegraded,
    brainWhileDegraded: [...brainStates].join("/"),
    brainReportMs,
    brainClearMs,
    alerts: alertFigures(alertsFired, alertsResolved),
  };
}

/** The trading state in the brain's newest heartbeat on the bus. */
async function latestBrainBeatState(world: FaultWorld): Promise<string | null> {
  const entries = (await world.bus.xrevrange(streamOf("heartbeat"), "+", "-", "COUNT", 20)) as Array<[string, string[]]>;
  for (const [, fields] of entries) {
    const parsed = parseEnvelope(fields[fields.indexOf("env") + 1] ?? "");
    if (parsed.ok && parsed.envelope.type === "heartbeat" && parsed.envelope.payload.service === "brain") return parsed.envelope.payload.tradingState ?? null;
  }
  return null;
}

/**
 * The brain audited its episode (domain.md: every change of the state is an audit event) once PostgreSQL
 * could take it: the raise, seen after the fault began, and the clear, after the restore began, in order;
 * and it approved nothing between the two (a signal read before the clear is vetoed on the trading state).
 */
async function expectBrainEpisodeAudited(world: FaultWorld, expected: { state: string; dependency: string }, injectedAt: number, restoreFrom: number): Promise<void> {
  const { rows } = await world.db.query<{ reason: string; after: { raisedAtMs: number; clearedAtMs?: number } }>(
    `SELECT reason, after FROM audit.events WHERE service = 'brain' AND action = 'trading-state.change' AND (after->>'raisedAtMs')::float8 >= $1 ORDER BY seq`,
    [injectedAt],
  );
  expect(
    rows.map((r) => r.reason),
    `the brain's audit events for its ${expected.dependency} episode`,
  ).toEqual([`${expected.dependency} unavailable: ACTIVE → ${expected.state}`, `${expected.dependency} is back: ${expected.state} → ACTIVE`]);
  const raisedAtMs = rows[0]!.after.raisedAtMs;
  const clearedAtMs = rows[1]!.after.clearedAtMs!;
  expect(raisedAtMs).toBeLessThanOrEqual(restoreFrom);
  expect(clearedAtMs).toBeGreaterThanOrEqual(restoreFrom);
  const approved = await world.db.query<{ n: number }>("SELECT count(*)::int AS n FROM brain.decisions WHERE outcome = 'approved' AND decided_at_ms BETWEEN $1 AND $2", [raisedAtMs, clearedAtMs]);
  expect(approved.rows[0]?.n, `approvals while the brain held its ${expected.dependency} cause`).toBe(0);
}

/**
 * Execution cleared the dependency's cause by itself (its audit event) between the restore and the resume,
 * and a clean reconciliation finished after the restore began and before that clear (domain.md: "after
 * recovery and a clean reconciliation").
 */
async function expectClearedAfterCleanReconciliation(world: FaultWorld, dependency: string, restoreFrom: number, resumedAt: number): Promise<void> {
  const cleared = await world.db.query<{ at_ms: number }>(
    `SELECT (extract(epoch FROM at) * 1000)::float8 AS at_ms FROM audit.events
      WHERE service = 'execution' AND action = 'trading-state.change' AND actor_kind = 'service' AND reason = $1 ORDER BY seq DESC LIMIT 1`,
    [`${dependency} is back`],
  );
  const clearedAtMs = cleared.rows[0]?.at_ms;
  expect(clearedAtMs, `execution's audit event clearing the ${dependency} cause`).toBeDefined();
  expect(clearedAtMs!).toBeGreaterThanOrEqual(restoreFrom);
  expect(clearedAtMs!).toBeLessThanOrEqual(resumedAt);
  const clean = await world.db.query<{ n: number }>("SELECT count(*)::int AS n FROM execution.reconciliation_runs WHERE outcome = 'clean' AND finished_at_ms >= $1 AND finished_at_ms <= $2", [restoreFrom, clearedAtMs]);
  expect(clean.rows[0]?.n, `a clean reconciliation after ${dependency} came back and before its cause cleared`).toBeGreaterThan(0);
}

/** What became of these signals: the brain's decision and, for an approved one, execution's outcome. */
export async function signalOutcomes(world: FaultWorld, signalIds: readonly string[]): Promise<string> {
  const { rows } = await world.db.query<{ what: string; n: number }>(
    `SELECT CASE WHEN d.outcome = 'vetoed' THEN 'vetoed:' || d.reason
                 ELSE 'approved→' || coalesce(c.status || coalesce(':' || c.refusal_reason, ''), 'no command') END AS what, count(*)::int AS n
       FROM brain.decisions d LEFT JOIN execution.order_commands c ON c.client_order_id = d.client_order_id
      WHERE d.signal_id = ANY($1::uuid[]) GROUP BY 1 ORDER BY 1`,
    [signalIds],
  );
  return rows.map((r) => `${r.what}×${r.n}`).join(" ") || "—";
}
