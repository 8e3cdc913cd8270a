// Holds the trading state execution enforces: the brain's last publication and execution's own causes
// (reconciliation, dead-man switch, lost dependencies, operator halts it received). A raise takes
// effect in memory at once — fail-closed even when PostgreSQL is the thing that is gone — and is then
// persisted, published and audited in one transaction; a failed write is retried on the next tick.

import type { Logger } from "pino";
import { appendAudit, type AuditActor, type AuditTransaction } from "../../shared/audit/index.js";
import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { TradingState, TradingStateCause } from "../../shared/contracts/index.js";
import type { Database, Queryable } from "../../shared/db/database.js";
import {
  EMPTY_MODEL,
  acceptBrainState,
  clearCause,
  enforcedView,
  expireCauses,
  isOrderAllowed,
  raiseCause,
  tradingStateMessage,
  type CauseRecord,
  type EnforcedView,
  type OrderIntent,
  type TradingStateModel,
} from "../domain/trading-state.js";
import { onCommit } from "../../shared/db/database.js";
import { observeEnforcedView, type ExecutionMetrics } from "./execution-metrics.js";
import { getMeta, loadCauses, replaceCauses, setMeta } from "./store.js";

export const EXECUTION_PRINCIPAL = { kind: "service", id: "execution" } as const;
const EXECUTION_ACTOR: AuditActor = { kind: "service", id: "execution", name: "execution" };
type Dependency = NonNullable<CauseRecord["dependency"]>;

export type Principal = CauseRecord["raisedBy"];

export class TradingStateError extends Error {}

export interface KeeperOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ExecutionMetrics;
}

export class TradingStateKeeper {
  private own: TradingStateModel = EMPTY_MODEL;
  private brain: TradingState | null = null;
  private sequence = 0;
  private dirty = false;
  private lastCleanReconciliationAtMs: number | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** The model as changed so far inside a caller's transaction (several changes may share one). */
  private readonly txModels = new WeakMap<Queryable, TradingStateModel>();

  constructor(private readonly o: KeeperOptions) {}

  async load(): Promise<void> {
    this.own = { causes: await loadCauses(this.o.db) };
    this.brain = await getMeta<TradingState>(this.o.db, "brain_trading_state");
    this.sequence = Math.max((await getMeta<number>(this.o.db, "trading_sequence")) ?? 0, this.o.clock.nowMs());
    this.lastCleanReconciliationAtMs = (await getMeta<{ lastCleanAtMs: number | null }>(this.o.db, "reconciliation_tally"))?.lastCleanAtMs ?? null;
    this.updateMetrics();
  }

  view(): EnforcedView {
    return enforcedView(this.own, this.brain, this.o.clock.nowMs());
  }

  allows(intent: OrderIntent): boolean {
    return isOrderAllowed(this.view().state, intent);
  }

  has(cause: TradingStateCause, dependency?: Dependency): boolean {
    return this.own.causes.some((c) => c.cause === cause && (dependency === undefined || c.dependency === dependency));
  }

  setCleanReconciliation(atMs: number): void {
    this.lastCleanReconciliationAtMs = atMs;
  }

  /** When the last clean reconciliation finished, or null before the first. */
  lastCleanReconciliation(): number | null {
    return this.lastCleanReconciliationAtMs;
  }

  /** Raises one of execution's causes; a no-op when already held at that level. */
  raise(record: Omit<CauseRecord, "raisedAtMs">, actor: AuditActor = EXECUTION_ACTOR, tx?: Queryable): Promise<boolean> {
    return this.change((model) => raiseCause(model, { ...record, raisedAtMs: this.o.clock.nowMs() }), actor, record.detail, tx);
  }

  /** Clears a cause; an operator clear needs a reason, a reconciliation cause a clean run since it was raised. */
  clear(cause: TradingStateCause, by: Principal, reason: string | undefined, actor: AuditActor = EXECUTION_ACTOR, dependency?: Dependency, tx?: Queryable): Promise<boolean> {
    return this.change(
      (model) =>
        clearCause(model, {
          cause,
          by,
          tsMs: this.o.clock.nowMs(),
          ...(dependency ? { dependency } : {}),
          ...(reason ? { reason } : {}),
          ...(this.lastCleanReconciliationAtMs !== null ? { cleanReconciliationAtMs: this.lastCleanReconciliationAtMs } : {}),
        }),
      actor,
      reason ?? `${cause} cleared`,
      tx,
    );
  }

  /** A brain publication, inside the consumer's transaction. */
  async onBrainState(message: TradingState, tx: Queryable): Promise<void> {
    const accepted = acceptBrainState(this.brain, message);
    if (accepted === this.brain) return;
    await setMeta(tx, "brain_trading_state", accepted, this.o.clock.nowMs());
    onCommit(tx, () => {
      this.brain = acceptBrainState(this.brain, message);
      this.updateMetrics();
    });
  }

  /** Periodic housekeeping: expired causes, and a write that failed earlier. */
  async tick(): Promise<void> {
    const { model, expired } = expireCauses(this.own, this.o.clock.nowMs());
    if (expired.length > 0) await this.change(() => ({ ok: true, model, changed: true }), EXECUTION_ACTOR, "causes expired");
    else if (this.dirty) await this.serial(() => this.persist(null, EXECUTION_ACTOR, "retrying a trading-state write", undefined)).catch(() => undefined);
    this.updateMetrics();
  }

  private change(mutate: (model: TradingStateModel) => ReturnType<typeof raiseCause> | ReturnType<typeof clearCause>, actor: AuditActor, why: string, tx?: Queryable): Promise<boolean> {
    return this.serial(async () => {
      const before = (tx && this.txModels.get(tx)) ?? this.own;
      const result = mutate(before);
      if (!result.ok) throw new TradingStateError(result.problem);
      if (!result.changed) return false;
      const raising = result.model.causes.length >= before.causes.length;
      // Restrictions apply at once; releases only once written, so a crash can only leave us stricter.
      if (raising) this.own = result.model;
      try {
        await this.persist({ before, after: result.model }, actor, why, tx);
        if (tx) this.txModels.set(tx, result.model);
        if (!raising) {
          if (tx) onCommit(tx, () => this.adopt(result.model));
          else this.adopt(result.model);
        }
      } catch (err) {
        if (tx) throw err;
        this.dirty = true;
        this.o.logger.error({ err: (err as Error).message }, "trading state change not persisted yet; enforced in memory");
        if (!raising) throw err;
      }
      this.updateMetrics();
      return true;
    });
  }

  private adopt(model: TradingStateModel): void {
    this.own = model;
    this.updateMetrics();
  }

  private async persist(change: { before: TradingStateModel; after: TradingStateModel } | null, actor: AuditActor, why: string, tx: Queryable | undefined): Promise<void> {
    const model = change?.after ?? this.own;
    const nowMs = this.o.clock.nowMs();
    const write = async (q: Queryable) => {
      this.sequence = Math.max(this.sequence + 1, nowMs);
      const message = tradingStateMessage(model, { publishedBy: "execution", sequence: this.sequence, tsMs: nowMs });
      await replaceCauses(q, model.causes);
      await setMeta(q, "trading_sequence", this.sequence, nowMs);
      await publishInTransaction(q, "trading-state", message, { source: "execution", clock: this.o.clock });
      if (change) {
        await appendAudit(
          q as AuditTransaction,
          {
            actor,
            service: "execution",
            action: "trading-state.change",
            target: "trading-state:execution",
            reason: why.slice(0, 2000),
            before: { state: tradingStateMessage(change.before, { publishedBy: "execution", sequence: 0, tsMs: nowMs }).state, causes: change.before.causes },
            after: { state: message.state, causes: message.causes, sequence: message.sequence },
          },
          this.o.clock,
        );
      }
    };
    if (tx) await write(tx);
    else await this.o.db.transaction(write);
    this.dirty = false;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private updateMetrics(): void {
    observeEnforcedView(this.o.metrics, this.view());
  }
}
