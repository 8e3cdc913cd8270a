// Emergency controls and treasury transfers, from the bus (control commands) and from HTTP (operators):
// halt, resume, cancel all, flatten all, transfer. None is gated by the trading state or the breaker —
// they only ever remove risk. Flatten all halts first, cancels every order, then sends reduce-only
// market orders until the venue itself reports flat. Every action is audited.

import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { appendAudit, type AuditActor, type AuditTransaction } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import type { ControlCommand } from "../../shared/contracts/index.js";
import type { Database, Queryable } from "../../shared/db/database.js";
import { flattenOrders, isFlat } from "../domain/flatten.js";
import type { VenuePosition } from "../domain/venue-types.js";
import { isVenueError, type Venue } from "../venues/venue.js";
import { onCommit } from "../../shared/db/database.js";
import type { EquityReporter } from "./equity-reporter.js";
import type { ExecutionMetrics } from "./execution-metrics.js";
import type { InstrumentBook } from "./instrument-book.js";
import type { OrderManager } from "./order-manager.js";
import { TradingStateError, type Principal, type TradingStateKeeper } from "./trading-state-keeper.js";
import type { VenueSync } from "./venue-sync.js";

export class ControlError extends Error {
  constructor(
    readonly status: 409 | 404 | 400,
    message: string,
  ) {
    super(message);
  }
}

export interface ControlRun {
  readonly runId: string;
  readonly kind: "flatten" | "cancel-all";
  readonly symbol: string | null;
  readonly status: "running" | "done" | "failed";
  readonly startedAtMs: number;
  readonly finishedAtMs: number | null;
  readonly rounds: number;
  readonly detail: string | null;
}

export interface ControlsOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ExecutionMetrics;
  readonly venue: Venue;
  readonly instruments: InstrumentBook;
  readonly keeper: TradingStateKeeper;
  readonly orders: OrderManager;
  readonly sync: VenueSync;
  readonly equity: EquityReporter;
  readonly flattenTimeoutMs: number;
}

export interface Requester {
  readonly principal: Principal;
  readonly actor: AuditActor;
}

const audit = (tx: Queryable, clock: Clock, actor: AuditActor, action: string, target: string, reason: string, after: unknown) =>
  appendAudit(tx as AuditTransaction, { actor, service: "execution", action, target, reason, after }, clock);

export class Controls {
  private readonly runs = new Map<string, Promise<ControlRun>>();

  constructor(private readonly o: ControlsOptions) {}

  /** Bus control commands, inside the inbox transaction. */
  async handleCommand(command: ControlCommand, tx: Queryable): Promise<void> {
    const by: Requester = { principal: command.issuedBy, actor: { ...command.issuedBy, name: command.issuedBy.id } };
    switch (command.command) {
      case "halt":
        if (by.principal.kind !== "operator") {
          // Only an operator halts by command (the brain halts through its own causes): refused, audited, not retried.
          await audit(tx, this.o.clock, by.actor, "execution.halt-refused", "trading-state:execution", command.reason, { problem: "only an operator can halt trading by command" });
          return;
        }
        return this.halt(by, command.reason, tx);
      case "resume":
        try {
          await this.resume(by, command.reason, tx);
          return;
        } catch (err) {
          // A refused resume is an answer, not a failure to retry: it is audited and the halt stays.
          if (!(err instanceof ControlError)) throw err;
          await audit(tx, this.o.clock, by.actor, "execution.resume-refused", "trading-state:execution", command.reason, { problem: err.message });
          return;
        }
      case "flatten":
      case "cancel-all": {
        await this.begin(command.command, command.commandId, command.symbol ?? null, by, command.reason, tx);
        return;
      }
      case "transfer":
        return this.recordTransfer(command, by, tx);
    }
  }

  async halt(by: Requester, reason: string, tx?: Queryable): Promise<void> {
    const write = async (q: Queryable) => {
      await this.o.keeper.raise({ cause: "operator-halt", state: "HALTED", raisedBy: by.principal, detail: reason }, by.actor, q);
      await audit(q, this.o.clock, by.actor, "execution.halt", "trading-state:execution", reason, { state: this.o.keeper.view().state });
    };
    if (tx) await write(tx);
    else await this.o.db.transaction(write);
  }

  /** Clears the operator halt and, after a clean reconciliation, the reconciliation halt. */
  async resume(by: Requester, reason: string, tx?: Queryable): Promise<{ cleared: string[] }> {
    if (by.principal.kind !== "operator") throw new ControlError(409, "only an operator can resume trading");
    const write = async (q: Queryable) => {
      const cleared: string[] = [];
      for (const cause of ["operator-halt", "reconciliation-mismatch"] as const) {
        if (!this.o.keeper.has(cause)) continue;
        try {
          await this.o.keeper.clear(cause, by.principal, reason, by.actor, undefined, q);
          cleared.push(cause);
        } catch (err) {
          if (err instanceof TradingStateError) throw new ControlError(409, `${cause} stays: ${err.message}`);
          throw err;
        }
      }
      await audit(q, this.o.clock, by.actor, "execution.resume", "trading-state:execution", reason, { cleared });
      return { cleared };
    };
    if (tx) return write(tx);
    try {
      return await this.o.db.transaction(write);
    } catch (err) {
      // Nothing was cleared (all or nothing), but the attempt is the operator's action: it is audited.
      if (err instanceof ControlError) await this.o.db.transaction((q) => audit(q, this.o.clock, by.actor, "execution.resume-refused", "trading-state:execution", reason, { problem: err.message }));
      throw err;
    }
  }

  /** Records a flatten or cancel-all run (flatten also halts) and starts it once that commits. */
  async begin(kind: "flatten" | "cancel-all", runId: string, symbol: string | null, by: Requester, reason: string, tx?: Queryable): Promise<void> {
    const write = async (q: Queryable) => {
      const inserted = await q.query(
        "execution_insert_control_run",
        `INSERT INTO control_runs (run_id, kind, symbol, status, requested_by, reason, started_at_ms) VALUES ($1, $2, $3, 'running', $4::jsonb, $5, $6) ON CONFLICT (run_id) DO NOTHING`,
        [runId, kind, symbol, JSON.stringify(by.principal), reason, this.o.clock.nowMs()],
      );
      if (inserted.rowCount !== 1) return false;
      // An operator's flatten also halts; the brain's (HARD breaker) and the dead-man's come with causes of their own.
      if (kind === "flatten" && by.principal.kind === "operator") {
        await this.o.keeper.raise({ cause: "operator-halt", state: "HALTED", raisedBy: by.principal, detail: `flatten all: ${reason}`.slice(0, 1000) }, by.actor, q);
      }
      await audit(q, this.o.clock, by.actor, `execution.${kind}`, `control-run:${runId}`, reason, { symbol });
      return true;
    };
    if (tx) {
      if (await write(tx)) onCommit(tx, () => void this.run(runId));
    } else if (await this.o.db.transaction(write)) {
      void this.run(runId);
    }
  }

  /** Resumes runs a crash interrupted and transfers not yet carried out. */
  async resumeUnfinished(): Promise<void> {
    const { rows } = await this.o.db.query<{ run_id: string }>("execution_running_control_runs", "SELECT run_id FROM control_runs WHERE status = 'running'");
    for (const r of rows) void this.run(r.run_id);
    const transfers = await this.o.db.query<{ transfer_id: string }>("execution_pending_transfers", "SELECT transfer_id FROM transfers WHERE status = 'pending'");
    for (const t of transfers.rows) void this.performTransfer(t.transfer_id);
  }

  /** The run's outcome; waits for it when it is in progress in this process. */
  async wait(runId: string, timeoutMs: number): Promise<ControlRun> {
    const inProgress = this.runs.get(runId);
    if (inProgress) await Promise.race([inProgress, this.o.clock.sleep(timeoutMs)]);
    const run = await this.get(runId);
    if (!run) throw new ControlError(404, `no control run ${runId}`);
    return run;
  }

  async get(runId: string): Promise<ControlRun | null> {
    const { rows } = await this.o.db.query<{ run_id: string; kind: ControlRun["kind"]; symbol: string | null; status: ControlRun["status"]; started_at_ms: number; finished_at_ms: number | null; rounds: number; detail: string | null }>(
      "execution_get_control_run",
      "SELECT run_id, kind, symbol, status, started_at_ms, finished_at_ms, rounds, detail FROM control_runs WHERE run_id = $1",
      [runId],
    );
    const r = rows[0];
    return r ? { runId: r.run_id, kind: r.kind, symbol: r.symbol, status: r.status, startedAtMs: r.started_at_ms, finishedAtMs: r.finished_at_ms, rounds: r.rounds, detail: r.detail } : null;
  }

  newRunId(): string {
    return randomUUID();
  }

  private run(runId: string): Promise<ControlRun> {
    const existing = this.runs.get(runId);
    if (existing) return existing;
    const running = this.execute(runId).finally(() => this.runs.delete(runId));
    this.runs.set(runId, running);
    return running;
  }

  private async execute(runId: string): Promise<ControlRun> {
    const run = await this.get(runId);
    if (!run || run.status !== "running") return run!;
    let rounds = 0;
    let outcome: "done" | "failed" = "done";
    let detail: string | null = null;
    try {
      const scope = run.symbol ?? undefined;
      await this.o.orders.cancelUnsent(scope, `${run.kind} ${runId}`);
      if (run.kind === "cancel-all") {
        await this.cancelAllConfirmed(scope);
      } else {
        rounds = await this.flatten(runId, scope, run.startedAtMs);
        this.o.metrics.flattenSeconds.observe((this.o.clock.nowMs() - run.startedAtMs) / 1000);
      }
    } catch (err) {
      outcome = "failed";
      detail = (err as Error).message.slice(0, 1000);
      this.o.logger.error({ err: detail, runId, kind: run.kind }, "control run failed");
    }
    await this.o.sync.catchUp().catch(() => undefined);
    if (run.kind === "flatten") await this.o.venue.balance().then((b) => this.o.equity.publish(b)).catch(() => undefined);
    const finishedAtMs = this.o.clock.nowMs();
    await this.o.db.query("execution_finish_control_run", "UPDATE control_runs SET status = $2, finished_at_ms = $3, rounds = $4, detail = $5 WHERE run_id = $1", [runId, outcome, finishedAtMs, rounds, detail]);
    return { ...run, status: outcome, finishedAtMs, rounds, detail };
  }

  /** Cancel-all, then wait until the venue lists no open order in scope. */
  private async cancelAllConfirmed(symbol: string | undefined): Promise<void> {
    const deadline = this.o.clock.nowMs() + this.o.flattenTimeoutMs;
    for (;;) {
      await this.o.venue.cancelAllOrders(symbol);
      const open = (await this.o.venue.openOrders()).filter((o) => symbol === undefined || o.symbol === symbol);
      if (open.length === 0) return;
      if (this.o.clock.nowMs() > deadline) throw new Error(`${open.length} orders still open after cancel-all`);
      await this.o.clock.sleep(200);
    }
  }

  /** Rounds of cancel-all and reduce-only market orders until the venue reports every position flat. */
  private async flatten(runId: string, symbol: string | undefined, startedAtMs: number): Promise<number> {
    const deadline = startedAtMs + this.o.flattenTimeoutMs;
    for (let round = 1; ; round += 1) {
      await this.cancelAllConfirmed(symbol);
      let positions = await this.positionsIn(symbol);
      if (isFlat(positions)) return round - 1;
      if (this.o.clock.nowMs() > deadline) throw new Error(`not flat after ${round - 1} rounds: ${describe(positions)}`);
      for (const order of flattenOrders(runId, round, positions, (s) => this.o.instruments.get(s))) {
        try {
          await this.o.venue.createOrder(order);
        } catch (err) {
          // Already placed (a retried round), or nothing left to reduce: the next look at the venue decides.
          if (!isVenueError(err, "duplicate", "refused", "outcome-unknown")) throw err;
          this.o.logger.warn({ err: (err as Error).message, clientOrderId: order.clientOrderId }, "flatten order not placed");
        }
      }
      const settleBy = Math.min(deadline, this.o.clock.nowMs() + 5_000);
      do {
        await this.o.clock.sleep(100);
        positions = await this.positionsIn(symbol);
      } while (!isFlat(positions) && this.o.clock.nowMs() < settleBy);
      if (isFlat(positions) && (await this.o.venue.openOrders()).filter((o) => symbol === undefined || o.symbol === symbol).length === 0) return round;
    }
  }

  private async positionsIn(symbol: string | undefined): Promise<VenuePosition[]> {
    return (await this.o.venue.positions()).positions.filter((p) => symbol === undefined || p.symbol === symbol);
  }

  private async recordTransfer(command: Extract<ControlCommand, { command: "transfer" }>, by: Requester, tx: Queryable): Promise<void> {
    const inserted = await tx.query(
      "execution_insert_transfer",
      `INSERT INTO transfers (transfer_id, command_id, venue, asset, amount_usd, from_account, to_account, status, requested_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) ON CONFLICT (transfer_id) DO NOTHING`,
      [command.transferId, command.commandId, command.venue, command.asset, command.amountUsd, command.fromAccount, command.toAccount, this.o.clock.nowMs()],
    );
    if (inserted.rowCount !== 1) return;
    await audit(tx, this.o.clock, by.actor, "execution.transfer", `transfer:${command.transferId}`, command.reason, {
      asset: command.asset,
      amountUsd: command.amountUsd,
      from: command.fromAccount,
      to: command.toAccount,
    });
    onCommit(tx, () => void this.performTransfer(command.transferId));
  }

  private async performTransfer(transferId: string): Promise<void> {
    const { rows } = await this.o.db.query<{ asset: string; amount_usd: number; from_account: "futures" | "spot"; to_account: "futures" | "spot"; venue: string }>(
      "execution_get_transfer",
      "SELECT asset, amount_usd, from_account, to_account, venue FROM transfers WHERE transfer_id = $1 AND status = 'pending'",
      [transferId],
    );
    const t = rows[0];
    if (!t) return;
    let status: "done" | "failed" = "done";
    let reference: string | null = null;
    let detail: string | null = null;
    // Refused: the command itself was wrong (another venue, the same account twice), a warning for its sender.
    let refused = false;
    if (t.venue !== this.o.venue.name) {
      status = "failed";
      refused = true;
      detail = `this execution trades on ${this.o.venue.name}, not ${t.venue}`;
    } else {
      try {
        reference = (await this.o.venue.transfer({ transferId, asset: t.asset, amount: t.amount_usd, fromAccount: t.from_account, toAccount: t.to_account })).reference;
      } catch (err) {
        status = "failed";
        refused = isVenueError(err, "refused");
        detail = (err as Error).message.slice(0, 1000);
      }
    }
    await this.o.db.query("execution_finish_transfer", "UPDATE transfers SET status = $2, reference = $3, detail = $4, finished_at_ms = $5 WHERE transfer_id = $1", [transferId, status, reference, detail, this.o.clock.nowMs()]);
    if (status === "failed" && refused) this.o.logger.warn({ transferId, detail }, "transfer refused");
    else if (status === "failed") this.o.logger.error({ transferId, detail }, "transfer failed");
  }
}

function describe(positions: readonly VenuePosition[]): string {
  return positions.map((p) => `${p.symbol} ${p.side} ${p.qty}`).join(", ");
}
