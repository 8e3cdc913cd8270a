// Order commands → venue orders. Intake runs in the command's inbox transaction: pre-trade checks, then
// either a refusal (recorded, and reported) or a pending command row, the rows of a consumer batch
// written in one statement just before COMMIT. A submitter sends pending commands
// after their commit: it re-checks them against the market and the trading state, counts the attempt in
// PostgreSQL before the request leaves, and after any doubt (a lost answer, a timeout, a restart)
// looks the order up by its client id before it would send again. Fills never come from here: only the
// venue's execution reports move the shadow state.

import type { Logger } from "pino";
import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { EnvelopeOf, OrderCommand } from "../../shared/contracts/index.js";
import type { Database, Queryable } from "../../shared/db/database.js";
import { faultPoint } from "../../shared/faults.js";
import { checkOrderCommand, type OrderPlan, type PreTradePolicy, type PreTradeResult } from "../domain/pre-trade.js";
import { refusalReport, type ReportVenue } from "../domain/reports.js";
import { isVenueError, type Venue } from "../venues/venue.js";
import { onCommit } from "../../shared/db/database.js";
import { deferCommand, type SettledCommand } from "./command-intake-batch.js";
import type { ExecutionMetrics } from "./execution-metrics.js";
import type { InstrumentBook } from "./instrument-book.js";
import type { MarketPrices } from "./market-prices.js";
import { EXECUTION_FAULT_POINTS, type ShadowBook } from "./shadow-book.js";
import { TakeProfitLegs } from "./take-profit-legs.js";
import { countSubmitAttempt, findCommand, markCommandAcked, markCommandClosed, pendingCommands, recentCommands, type CommandRow } from "./store.js";
import type { TradingStateKeeper } from "./trading-state-keeper.js";
import type { VenueHealth } from "./venue-sync.js";

export interface OrderManagerOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ExecutionMetrics;
  readonly venue: Venue;
  readonly venueName: ReportVenue;
  readonly instruments: InstrumentBook;
  readonly prices: MarketPrices;
  readonly keeper: TradingStateKeeper;
  readonly shadow: ShadowBook;
  readonly policy: PreTradePolicy;
  readonly health: VenueHealth;
}

/**
 * Commands submitted at once. Entries on a symbol go out side by side; a reduce-only command has its
 * symbol to itself, so a close neither overtakes nor is overtaken by another order on it.
 */
export const SUBMIT_CONCURRENCY = 8;

/** Where a command may run beside others. */
interface Lane {
  readonly symbol: string;
  readonly exclusive: boolean;
}

const laneOf = (symbol: string, reduceOnly: boolean): Lane => ({ symbol, exclusive: reduceOnly });

/** The row intake has just inserted for a pending command, as findCommand would read it back. */
const freshCommandRow = (command: OrderCommand, symbol: string, plan: OrderPlan, receivedAtMs: number): CommandRow => ({
  commandId: command.commandId,
  clientOrderId: command.clientOrderId,
  symbol,
  status: "pending",
  plan,
  command,
  submitAttempts: 0,
  lastAttemptAtMs: null,
  venueOrderId: null,
  commandTsMs: command.tsMs,
  receivedAtMs,
  ackedAtMs: null,
  firstFillAtMs: null,
  refusalReason: null,
  refusalDetail: null,
});

interface Scheduled {
  readonly commandId: string;
  readonly lane: Lane;
  notBeforeMs: number;
  failures: number;
  /**
   * The row as intake committed it, for the first try only: nothing but this process has touched it
   * since (the attempt's conditional update still checks it is pending), so it is not read back.
   */
  fresh: CommandRow | null;
}

export class OrderManager {
  private readonly queue = new Map<string, Scheduled>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** A wake-up that came while the loop was not asleep: the next sleep returns at once. */
  private wakePending = false;
  private readonly inFlight = new Map<string, { readonly lane: Lane; readonly done: Promise<void> }>();
  private readonly leverage = new Map<string, number>();
  private readonly postOnlyTimers = new Map<string, () => void>();
  /** Commands whose last request the venue refused before doing anything (rate limit): no lookup needed. */
  private readonly refusedUnprocessed = new Set<string>();
  /** An entry's take-profit legs beyond the one its order carries: placed once it has filled. */
  readonly takeProfitLegs: TakeProfitLegs;

  constructor(private readonly o: OrderManagerOptions) {
    this.takeProfitLegs = new TakeProfitLegs({ db: o.db, clock: o.clock, logger: o.logger, venue: o.venue, instruments: o.instruments, shadow: o.shadow, health: o.health });
  }

  async start(): Promise<void> {
    for (const row of await pendingCommands(this.o.db)) this.enqueue(row.commandId, laneOf(row.symbol, row.command.reduceOnly));
    await this.rearmPostOnlyTimers();
    await this.takeProfitLegs.start();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.takeProfitLegs.stop();
    this.signal();
    for (const cancel of this.postOnlyTimers.values()) cancel();
    this.postOnlyTimers.clear();
    await this.loop;
  }

  /**
   * The bus handler for order commands, inside the inbox transaction: plans the command now and writes
   * it with the rest of the transaction's commands just before COMMIT (command-intake-batch.ts).
   */
  async handleCommand(envelope: EnvelopeOf<"order-command">, tx: Queryable): Promise<void> {
    const command = envelope.payload;
    const nowMs = this.o.clock.nowMs();
    const result = await this.plan(command, nowMs);
    const symbol = this.o.instruments.resolve(command.symbol);
    deferCommand(tx, { envelope, symbol, result, receivedAtMs: nowMs }, (batchTx, settled) => this.settleIntake(batchTx, settled));
  }

  /**
   * Once the transaction's commands are written, in the order they came. A replayed command (same id,
   * or a second command for the same order) was not written and changes nothing.
   */
  private async settleIntake(tx: Queryable, settled: readonly SettledCommand[]): Promise<void> {
    for (const { intake, inserted } of settled) {
      if (!inserted) continue;
      const { envelope, symbol, result, receivedAtMs } = intake;
      const command = envelope.payload;
      if (!result.ok) {
        await this.publishRefusal(tx, command, symbol, result, receivedAtMs);
        onCommit(tx, () => this.o.metrics.ordersTotal.inc({ venue: this.o.venueName, type: result.orderType, outcome: "refused" }));
        continue;
      }
      const fresh = freshCommandRow(command, symbol, result.plan, receivedAtMs);
      onCommit(tx, () => this.enqueue(command.commandId, laneOf(symbol, command.reduceOnly), 0, fresh));
    }
  }

  private async plan(command: OrderCommand, nowMs: number): Promise<PreTradeResult> {
    const symbol = this.o.instruments.resolve(command.symbol);
    const instrument = this.o.instruments.get(symbol);
    const market = instrument ? await this.o.prices.current(symbol) : null;
    const position = this.o.shadow.position(symbol);
    return checkOrderCommand({
      command,
      symbol,
      instrument,
      tradingState: this.o.keeper.view().state,
      quote: market?.quote ?? null,
      velocityPerSecond: market?.velocityPerSecond ?? 0,
      position: position ? { side: position.side, qty: position.qty } : null,
      nowMs,
      policy: this.o.policy,
    });
  }

  private async publishRefusal(tx: Queryable, command: OrderCommand, symbol: string, result: Extract<PreTradeResult, { ok: false }>, nowMs: number): Promise<void> {
    const report = refusalReport({
      venue: this.o.venueName,
      command,
      symbol,
      orderType: result.orderType,
      qty: result.qty,
      limitPriceUsd: result.limitPriceUsd,
      status: result.status,
      reason: `${result.reason}: ${result.detail}`,
      nowMs,
    });
    // Rebuilt after a restart, the same report id may be in the outbox already: then nothing is written.
    await publishInTransaction(tx, "execution-report", report, { source: "execution", clock: this.o.clock, id: report.reportId, correlationId: command.clientOrderId, skipIfPresent: true });
  }

  private enqueue(commandId: string, lane: Lane, delayMs = 0, fresh: CommandRow | null = null): void {
    const existing = this.queue.get(commandId);
    const notBeforeMs = this.o.clock.nowMs() + delayMs;
    if (existing) existing.notBeforeMs = Math.min(existing.notBeforeMs, notBeforeMs);
    else this.queue.set(commandId, { commandId, lane, notBeforeMs, failures: 0, fresh });
    this.signal();
  }

  private signal(): void {
    if (this.wake) this.wake();
    else this.wakePending = true;
  }

  /** Commands waiting for the venue (for the HTTP view). */
  async recent(limit: number): Promise<CommandRow[]> {
    return recentCommands(this.o.db, limit);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const now = this.o.clock.nowMs();
      // In queue order; a command that must wait for its lane holds back the later ones on its symbol.
      const held = new Set<string>();
      let nextMs = now + 1_000;
      for (const due of this.queue.values()) {
        if (this.inFlight.has(due.commandId)) continue;
        if (due.notBeforeMs > now) {
          nextMs = Math.min(nextMs, due.notBeforeMs);
          continue;
        }
        if (this.inFlight.size >= SUBMIT_CONCURRENCY) break;
        if (held.has(due.lane.symbol) || !this.laneFree(due.lane)) {
          held.add(due.lane.symbol); // a finishing command wakes the loop
          continue;
        }
        const done = this.step(due).finally(() => {
          this.inFlight.delete(due.commandId);
          this.signal();
        });
        this.inFlight.set(due.commandId, { lane: due.lane, done });
      }
      await this.sleep(Math.max(1, nextMs - now));
    }
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  private laneFree(lane: Lane): boolean {
    for (const { lane: busy } of this.inFlight.values()) if (busy.symbol === lane.symbol && (busy.exclusive || lane.exclusive)) return false;
    return true;
  }

  /** One try at one command; what comes of it reschedules or forgets it. */
  private async step(due: Scheduled): Promise<void> {
    try {
      const fresh = due.fresh;
      due.fresh = null;
      const retryInMs = await this.process(due.commandId, fresh);
      if (retryInMs === null) this.queue.delete(due.commandId);
      else {
        due.failures += 1;
        due.notBeforeMs = this.o.clock.nowMs() + retryInMs;
      }
    } catch (err) {
      due.failures += 1;
      due.notBeforeMs = this.o.clock.nowMs() + Math.min(10_000, 100 * 2 ** Math.min(due.failures, 7));
      this.o.logger.error({ err: (err as Error).message, commandId: due.commandId }, "submitting an order command failed; will retry");
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.wakePending || !this.running) {
        this.wakePending = false;
        resolve();
        return;
      }
      const cancel = this.o.clock.setTimer(ms, () => done());
      const done = (): void => {
        cancel();
        this.wake = null;
        resolve();
      };
      this.wake = done;
    });
  }

  /** One step for one command: null when it is settled, else the delay before the next try. */
  private async process(commandId: string, fresh: CommandRow | null = null): Promise<number | null> {
    const row = fresh ?? (await findCommand(this.o.db, commandId, ""));
    if (!row || row.status !== "pending") return null;
    const backoff = Math.min(10_000, 100 * 2 ** Math.min((this.queue.get(commandId)?.failures ?? 0) + 1, 7));
    if (row.submitAttempts > 0 && !this.refusedUnprocessed.delete(commandId)) {
      // An earlier attempt may have reached the venue: never send again before looking.
      let found;
      try {
        found = await this.o.venue.findOrder(row.symbol, row.clientOrderId);
        this.o.health.venueCall(true);
      } catch (err) {
        this.o.health.venueCall(!isVenueError(err, "unavailable", "outcome-unknown"));
        return backoff;
      }
      if (found) {
        this.takeProfitLegs.noteSent(row.clientOrderId, row.commandId, row.plan);
        await this.acknowledge(row, found.venueOrderId, row.plan);
        await this.o.shadow.ingest({ orders: [found] }, "poll");
        return null;
      }
      // Not found yet may only mean not arrived yet: a late copy of the last request could still land.
      const settledAtMs = (row.lastAttemptAtMs ?? 0) + this.o.venue.resendSafetyMs;
      if (this.o.clock.nowMs() < settledAtMs) return settledAtMs - this.o.clock.nowMs();
    }
    const nowMs = this.o.clock.nowMs();
    const result = await this.plan(row.command, nowMs);
    if (!result.ok) {
      await this.close(row, "refused", result.reason, result.detail, result);
      return null;
    }
    const plan = result.plan;
    await this.ensureLeverage(plan);
    // Committed before the request leaves: after a crash from here on, the next attempt looks first.
    if (!(await countSubmitAttempt(this.o.db, row.commandId, plan, this.o.clock.nowMs()))) return null;
    // Never sent before: the shadow book need not look for an earlier record of this order.
    if (row.submitAttempts === 0) this.o.shadow.expectNewOrder(row.clientOrderId);
    this.takeProfitLegs.noteSent(row.clientOrderId, row.commandId, plan);
    try {
      const { venueOrderId } = await this.o.venue.createOrder(plan);
      faultPoint(EXECUTION_FAULT_POINTS.afterSendBeforeRecord);
      this.o.health.venueCall(true);
      await this.acknowledge(row, venueOrderId, plan);
      return null;
    } catch (err) {
      if (!isVenueError(err)) throw err;
      if (err.kind === "outcome-unknown") faultPoint(EXECUTION_FAULT_POINTS.afterSendBeforeRecord);
      switch (err.kind) {
        case "refused":
          this.o.health.venueCall(true);
          await this.close(row, "refused", `venue-${err.code}`, err.message, { orderType: plan.orderType, qty: plan.qty, limitPriceUsd: plan.limitPriceUsd, status: "rejected" }, "rejected");
          return null;
        case "rate-limited":
          this.refusedUnprocessed.add(commandId);
          return 1_000;
        case "duplicate":
        case "outcome-unknown":
          // The next step looks the order up by its client id before anything is sent again.
          this.o.health.venueCall(err.kind === "duplicate");
          return 50;
        default:
          this.o.health.venueCall(false);
          return backoff;
      }
    }
  }

  private async ensureLeverage(plan: OrderPlan): Promise<void> {
    if (plan.reduceOnly || this.leverage.get(plan.symbol) === plan.leverage) return;
    try {
      await this.o.venue.setLeverage(plan.symbol, plan.leverage);
      this.leverage.set(plan.symbol, plan.leverage);
    } catch (err) {
      // Not fatal for the order: the venue keeps the leverage it had.
      this.o.logger.warn({ err: (err as Error).message, symbol: plan.symbol }, "setting leverage failed");
    }
  }

  private async acknowledge(row: CommandRow, venueOrderId: string, plan: OrderPlan | null): Promise<void> {
    const nowMs = this.o.clock.nowMs();
    const acked = await markCommandAcked(this.o.db, row.commandId, venueOrderId, nowMs);
    if (!acked) return;
    const type = plan?.orderType ?? "market";
    this.o.metrics.ordersTotal.inc({ venue: this.o.venueName, type, outcome: "accepted" });
    this.o.metrics.commandToAckSeconds.observe({ venue: this.o.venueName }, Math.max(0, nowMs - row.commandTsMs) / 1000);
    if (plan?.postOnlyTimeoutMs) this.armPostOnlyTimer(plan.symbol, row.clientOrderId, plan.postOnlyTimeoutMs);
  }

  private async close(row: CommandRow, status: "refused", reason: string, detail: string, shape: Pick<Extract<PreTradeResult, { ok: false }>, "orderType" | "qty" | "limitPriceUsd" | "status">, outcome: "refused" | "rejected" = "refused"): Promise<void> {
    const nowMs = this.o.clock.nowMs();
    const closed = await this.o.db.transaction(async (tx) => {
      if (!(await markCommandClosed(tx, row.commandId, status, reason, detail))) return false;
      await this.publishRefusal(tx, row.command, row.symbol, { ok: false, reason: reason as never, detail, ...shape }, nowMs);
      return true;
    });
    if (closed) this.o.metrics.ordersTotal.inc({ venue: this.o.venueName, type: shape.orderType, outcome });
  }

  /** Closes pending commands no request has left for yet (cancel-all, flatten); returns how many. */
  async cancelUnsent(symbol: string | undefined, reason: string): Promise<number> {
    let cancelled = 0;
    for (const row of await pendingCommands(this.o.db)) {
      if (row.submitAttempts > 0 || (symbol !== undefined && row.symbol !== symbol)) continue;
      const nowMs = this.o.clock.nowMs();
      const closed = await this.o.db.transaction(async (tx) => {
        if (!(await markCommandClosed(tx, row.commandId, "cancelled", "cancelled", reason, true))) return false;
        const shape = { orderType: row.plan?.orderType ?? "market", qty: row.plan?.qty ?? 0, limitPriceUsd: row.plan?.limitPriceUsd ?? null } as const;
        const report = refusalReport({ venue: this.o.venueName, command: row.command, symbol: row.symbol, ...shape, status: "cancelled", reason: `cancelled before it was sent: ${reason}`, nowMs });
        await publishInTransaction(tx, "execution-report", report, { source: "execution", clock: this.o.clock, id: report.reportId, correlationId: row.clientOrderId, skipIfPresent: true });
        return true;
      });
      if (closed) {
        cancelled += 1;
        this.queue.delete(row.commandId);
        this.o.metrics.ordersTotal.inc({ venue: this.o.venueName, type: row.plan?.orderType ?? "market", outcome: "cancelled" });
      }
    }
    return cancelled;
  }

  /** A post-only order still working after its timeout is cancelled; what it filled stays. */
  private armPostOnlyTimer(symbol: string, clientOrderId: string, delayMs: number): void {
    this.postOnlyTimers.get(clientOrderId)?.();
    const cancel = this.o.clock.setTimer(Math.max(0, delayMs), () => {
      this.postOnlyTimers.delete(clientOrderId);
      const order = this.o.shadow.order(clientOrderId);
      if (order && order.status !== "new" && order.status !== "partially-filled") return;
      void this.o.venue.cancelOrder(symbol, { clientOrderId }).catch((err: unknown) => {
        this.o.logger.warn({ err: (err as Error).message, clientOrderId }, "cancelling an expired post-only order failed; retrying");
        this.armPostOnlyTimer(symbol, clientOrderId, 1_000);
      });
    });
    this.postOnlyTimers.set(clientOrderId, cancel);
  }

  /** After a restart: post-only orders still open get their timers back (cancelled at once if overdue). */
  private async rearmPostOnlyTimers(): Promise<void> {
    const now = this.o.clock.nowMs();
    for (const row of await recentCommands(this.o.db, 500)) {
      if (row.status !== "submitted" || row.plan?.orderType !== "post-only" || row.ackedAtMs === null) continue;
      const order = this.o.shadow.order(row.clientOrderId);
      if (order && order.status !== "new" && order.status !== "partially-filled") continue;
      this.armPostOnlyTimer(row.symbol, row.clientOrderId, row.ackedAtMs + (row.plan.postOnlyTimeoutMs ?? 0) - now);
    }
  }
}
