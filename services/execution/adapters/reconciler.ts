// Reconciliation on start and every interval (10 s): catch up with the venue's reports, then compare the
// shadow positions and open orders with the venue's. A mismatch is counted and announced (console event,
// the venue's view of the position) in the cycle that finds it; the third consecutive mismatching cycle
// raises the HALTED cause. Nothing here writes the shadow state: an operator looks, fixes the cause,
// and clears the halt after a clean cycle.

import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { Database } from "../../shared/db/database.js";
import { compareOpenOrders, comparePositions, foldCycle, INITIAL_TALLY, type Mismatch, type ReconciliationTally } from "../domain/reconciliation.js";
import { shadowClientOrderId, type ReportVenue } from "../domain/reports.js";
import type { VenuePosition } from "../domain/venue-types.js";
import type { Venue } from "../venues/venue.js";
import type { EquityReporter } from "./equity-reporter.js";
import type { ExecutionMetrics } from "./execution-metrics.js";
import type { InstrumentBook } from "./instrument-book.js";
import type { ShadowBook } from "./shadow-book.js";
import { getMeta, setMeta } from "./store.js";
import { EXECUTION_PRINCIPAL, type TradingStateKeeper } from "./trading-state-keeper.js";
import type { VenueHealth, VenueSync } from "./venue-sync.js";

export interface ReconcilerOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ExecutionMetrics;
  readonly venue: Venue;
  readonly venueName: ReportVenue;
  readonly instruments: InstrumentBook;
  readonly shadow: ShadowBook;
  readonly sync: VenueSync;
  readonly keeper: TradingStateKeeper;
  readonly equity: EquityReporter;
  readonly health: VenueHealth;
  readonly intervalMs: number;
  readonly haltAfterCycles: number;
  /** Orders changed this recently are not compared yet (their report may be in flight). */
  readonly orderGraceMs?: number;
  /** Heard after each finished cycle (the watchdog clears recovered dependencies on a clean one). */
  readonly onCycle?: (run: ReconciliationRun) => void;
}

export interface ReconciliationRun {
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  readonly outcome: "clean" | "mismatch" | "failed";
  readonly mismatches: readonly Mismatch[];
  readonly consecutiveMismatching: number;
  readonly detail: string | null;
}

export interface ReconciliationStatus {
  readonly lastRun: ReconciliationRun | null;
  readonly consecutiveMismatching: number;
  readonly lastCleanAtMs: number | null;
  readonly haltAfterCycles: number;
  readonly intervalMs: number;
}

const TALLY_KEY = "reconciliation_tally";

export class Reconciler {
  private tally: ReconciliationTally = INITIAL_TALLY;
  private lastRun: ReconciliationRun | null = null;
  private inFlight: Promise<ReconciliationRun> | null = null;
  private cancelTimer: (() => void) | null = null;
  private running = false;

  constructor(private readonly o: ReconcilerOptions) {}

  async start(): Promise<void> {
    this.tally = (await getMeta<ReconciliationTally>(this.o.db, TALLY_KEY)) ?? INITIAL_TALLY;
    if (this.tally.lastCleanAtMs !== null) this.o.keeper.setCleanReconciliation(this.tally.lastCleanAtMs);
    this.running = true;
    await this.runNow().catch(() => undefined);
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    await this.inFlight?.catch(() => undefined);
  }

  status(): ReconciliationStatus {
    return { lastRun: this.lastRun, consecutiveMismatching: this.tally.consecutiveMismatching, lastCleanAtMs: this.tally.lastCleanAtMs, haltAfterCycles: this.o.haltAfterCycles, intervalMs: this.o.intervalMs };
  }

  /** One cycle now; a caller arriving during a cycle gets that cycle's result. */
  runNow(): Promise<ReconciliationRun> {
    this.inFlight ??= this.cycle().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private schedule(): void {
    if (!this.running) return;
    this.cancelTimer = this.o.clock.setTimer(this.o.intervalMs, () => {
      void this.runNow()
        .catch(() => undefined)
        .finally(() => this.schedule());
    });
  }

  private async cycle(): Promise<ReconciliationRun> {
    const startedAtMs = this.o.clock.nowMs();
    let run: ReconciliationRun;
    try {
      // The venue's positions first, then every report up to now: the shadow state is then compared as
      // of the venue's snapshot, so fills in flight while it answered are not mismatches.
      const snapshot = await this.o.venue.positions();
      const venuePositions = snapshot.positions;
      await this.o.sync.catchUp();
      const venueOpen = await this.o.venue.openOrders();
      const nowMs = this.o.clock.nowMs();
      const lotStep = (symbol: string) => this.o.instruments.get(symbol)?.lotStepQty ?? 1e-8;
      const asOf = (symbol: string) => venuePositions.find((p) => p.symbol === symbol)?.tsMs ?? snapshot.asOfMs;
      const mismatches = [
        ...comparePositions(await this.o.shadow.positionsAsOf(asOf), venuePositions, lotStep),
        ...compareOpenOrders(
          this.o.shadow.openOrders().map((o) => ({ key: o.clientOrderId, symbol: o.symbol, side: o.side, leavesQty: Math.max(0, o.orderQty - o.filledQty), updatedTsMs: o.updatedTsMs })),
          venueOpen.map((o) => ({ key: shadowClientOrderId(o.clientOrderId, o.venueOrderId), symbol: o.symbol, side: o.side, leavesQty: Math.max(0, o.qty - o.filledQty), updatedTsMs: o.updatedTsMs })),
          nowMs,
          this.o.orderGraceMs ?? 2_000,
        ),
      ];
      const verdict = foldCycle(this.tally, mismatches, nowMs, this.o.haltAfterCycles);
      run = { startedAtMs, finishedAtMs: nowMs, outcome: verdict.outcome, mismatches, consecutiveMismatching: verdict.tally.consecutiveMismatching, detail: null };
      await this.record(run, verdict.tally, venuePositions);
      this.tally = verdict.tally;
      this.o.metrics.reconciliationRunsTotal.inc({ outcome: verdict.outcome });
      for (const m of mismatches) this.o.metrics.positionMismatchesTotal.inc({ kind: m.kind });
      if (verdict.outcome === "clean") this.o.keeper.setCleanReconciliation(nowMs);
      if (verdict.halt && !this.o.keeper.has("reconciliation-mismatch")) {
        await this.o.keeper.raise({
          cause: "reconciliation-mismatch",
          state: "HALTED",
          raisedBy: EXECUTION_PRINCIPAL,
          detail: `${verdict.tally.consecutiveMismatching} consecutive reconciliations found mismatches: ${describe(mismatches)}`.slice(0, 1000),
        });
      }
      await this.o.equity.publish(await this.o.venue.balance()).catch((err: unknown) => this.o.logger.warn({ err: (err as Error).message }, "equity snapshot failed"));
      this.o.health.venueCall(true);
    } catch (err) {
      const finishedAtMs = this.o.clock.nowMs();
      run = { startedAtMs, finishedAtMs, outcome: "failed", mismatches: [], consecutiveMismatching: this.tally.consecutiveMismatching, detail: (err as Error).message.slice(0, 1000) };
      this.o.metrics.reconciliationRunsTotal.inc({ outcome: "failed" });
      this.o.health.venueCall(false);
      this.o.logger.warn({ err: (err as Error).message }, "reconciliation failed");
      await this.o.db
        .query("execution_insert_reconciliation", "INSERT INTO reconciliation_runs (started_at_ms, finished_at_ms, outcome, consecutive_mismatching, mismatches, detail) VALUES ($1, $2, 'failed', $3, '[]'::jsonb, $4)", [startedAtMs, finishedAtMs, run.consecutiveMismatching, run.detail])
        .catch(() => undefined);
    }
    this.lastRun = run;
    this.o.onCycle?.(run);
    return run;
  }

  /** The run, the tally, and for a mismatch the announcement: a console event and the venue's positions. */
  private async record(run: ReconciliationRun, tally: ReconciliationTally, venuePositions: readonly VenuePosition[]): Promise<void> {
    await this.o.db.transaction(async (tx) => {
      await tx.query(
        "execution_insert_reconciliation",
        "INSERT INTO reconciliation_runs (started_at_ms, finished_at_ms, outcome, consecutive_mismatching, mismatches, detail) VALUES ($1, $2, $3, $4, $5::jsonb, $6)",
        [run.startedAtMs, run.finishedAtMs, run.outcome, run.consecutiveMismatching, JSON.stringify(run.mismatches), run.detail],
      );
      await setMeta(tx, TALLY_KEY, tally, run.finishedAtMs);
      if (run.mismatches.length === 0) return;
      const publish = { source: "execution" as const, clock: this.o.clock };
      const halting = run.consecutiveMismatching >= this.o.haltAfterCycles;
      await publishInTransaction(
        tx,
        "console-event",
        {
          version: 1,
          eventId: randomUUID(),
          topic: "position",
          severity: halting ? "critical" : "warning",
          title: `Reconciliation: ${run.mismatches.length} mismatch${run.mismatches.length === 1 ? "" : "es"} (${run.consecutiveMismatching} cycle${run.consecutiveMismatching === 1 ? "" : "s"} in a row)`.slice(0, 200),
          detail: describe(run.mismatches).slice(0, 4000),
          data: { mismatches: run.mismatches, consecutiveMismatching: run.consecutiveMismatching, haltAfterCycles: this.o.haltAfterCycles },
          tsMs: run.finishedAtMs,
        },
        publish,
      );
      for (const symbol of new Set(run.mismatches.filter((m) => m.subject === "position").map((m) => m.symbol))) {
        const p = venuePositions.find((v) => v.symbol === symbol);
        const open = p !== undefined && p.side !== "flat" && p.qty > 0;
        await publishInTransaction(
          tx,
          "position-snapshot",
          {
            version: 1,
            venue: this.o.venueName,
            symbol,
            source: "exchange",
            side: open ? p.side : "flat",
            qty: open ? p.qty : 0,
            entryPriceUsd: open ? p.entryPriceUsd : null,
            markPriceUsd: p?.markPriceUsd ?? null,
            notionalUsd: open && p.markPriceUsd ? p.qty * p.markPriceUsd : 0,
            leverage: p?.leverage && p.leverage >= 1 ? Math.min(p.leverage, 125) : null,
            unrealisedPnlUsd: p?.unrealisedPnlUsd ?? 0,
            realisedPnlUsd: p?.realisedPnlUsd ?? 0,
            liquidationPriceUsd: p?.liquidationPriceUsd ?? null,
            ...(p ? { venueTsMs: Math.max(0, Math.floor(p.tsMs)) } : {}),
            tsMs: run.finishedAtMs,
          },
          publish,
        );
      }
    });
  }
}

function describe(mismatches: readonly Mismatch[]): string {
  return mismatches.map((m) => `${m.subject} ${m.orderId ?? m.symbol}: ${m.kind} (shadow ${m.shadow}, exchange ${m.exchange})`).join("; ");
}
