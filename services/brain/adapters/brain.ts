// The brain's imperative shell around its state: the committed state in memory, the lock-and-version
// discipline every change goes through, and the operations the consumers, timers and routes call.
// Memory only ever holds what PostgreSQL committed: a change is computed from the locked state, written
// with its outputs in the caller's transaction, and adopted by memory in an after-commit hook. The state
// row is written once per transaction, just before COMMIT, with the last of the transaction's changes.
import type { Logger } from "pino";
import { appendAudit, type AuditActor } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import type { Database, Queryable } from "../../shared/db/database.js";
import type { ServiceContext } from "../../shared/runtime.js";
import type { BrainSettings } from "../config.js";
import type { BrainParameters, Phase, Principal } from "../domain/index.js";
import { INITIAL_BRAIN_STATE, equityUsd, openPositions, type BrainState, type LatestPrice } from "../state/brain-state.js";
import { PriceHistoryBook } from "../state/price-history.js";
import { onPhaseRegistered, onTick, refuse, tickDue, type Step, type StepContext } from "../state/transitions.js";
import { BrainMetrics } from "./brain-metrics.js";
import { beforeCommit, onCommit } from "../../shared/db/database.js";
import { OrderPhases } from "./order-phases.js";
import { ensureStateRow, loadBrainState, lockState, saveBrainState, type StoredVersion } from "./state-store.js";
import { auditTx, writeStepOutputs } from "./step-writer.js";

export type Compute = (state: BrainState, ctx: StepContext) => Step;
/** Extra writes of an accepted change (its own table rows, its audit event), in the same transaction. */
export type AfterWrite = (tx: Queryable, before: BrainState, step: Step) => Promise<void>;

/** A transaction's changes to the state row, saved just before its COMMIT over the version it locked. */
interface PendingSave {
  readonly storedVersion: number;
  state: BrainState;
}

/** Recent states this process saved, by writing transaction: more than can be committing at once. */
const WRITES_REMEMBERED = 64;

export class Brain {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly params: BrainParameters;
  readonly metrics: BrainMetrics;
  readonly prices: PriceHistoryBook;
  /** Phases of the orders this process decided (booking a fill needs its order's phase). */
  readonly orderPhases = new OrderPhases();
  private current: BrainState = INITIAL_BRAIN_STATE;
  /** State a transaction wrote and has not committed yet: later messages of the same batch build on it. */
  private readonly uncommitted = new WeakMap<Queryable, BrainState>();
  /** The lock each open transaction took on the state row, and the state it read then. */
  private readonly locks = new WeakMap<Queryable, { readonly mode: "share" | "update"; readonly state: BrainState }>();
  private readonly pendingSaves = new WeakMap<Queryable, PendingSave>();
  /** The state each transaction's signals are decided on (decisionState). */
  private readonly pinned = new WeakMap<Queryable, BrainState>();
  /**
   * States this process saved, by the id of the transaction that saved them. A lock that finds a newer
   * version written by one of them has found that transaction committed (its after-commit hook may not
   * have run yet): memory takes the state it wrote instead of reading the row and its tables again.
   */
  private readonly written = new Map<string, BrainState>();
  private loaded = false;

  constructor(
    readonly ctx: ServiceContext<"brain">,
    readonly settings: BrainSettings,
  ) {
    this.clock = ctx.clock;
    this.logger = ctx.logger;
    this.params = settings.params;
    this.metrics = new BrainMetrics(ctx.metrics);
    this.prices = new PriceHistoryBook(settings.symbols, settings.priceHistoryPoints);
    this.db = ctx.db;
  }

  /** The state as last committed (what the API shows and heartbeats carry). */
  get state(): BrainState {
    return this.current;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  readonly latestPrice: LatestPrice = (symbol) => this.prices.latestPrice(symbol);

  stepContext(): StepContext {
    return { params: this.params, nowMs: this.clock.nowMs() };
  }

  /** Restores the state from PostgreSQL and registers the phases configured to be there at start. */
  async init(): Promise<void> {
    await ensureStateRow(this.db);
    this.current = await loadBrainState(this.db, this.params, this.clock.nowMs());
    this.loaded = true;
    for (const phase of this.settings.startupPhases) {
      if (this.current.registeredPhases.includes(phase)) continue;
      await this.registerPhase(phase, { kind: "system", id: "brain-start", name: "brain start" }, "registered at start (TITAN_BRAIN_PHASES)");
    }
    this.metrics.observeState(this.current, this.clock.nowMs(), this.params);
  }

  /** Locks the state row in `tx` and returns the committed state, reloading it when memory is behind. */
  async stateIn(tx: Queryable, mode: "share" | "update"): Promise<BrainState> {
    // A lock this transaction already holds keeps everyone else's changes out: what it read still stands.
    const held = this.locks.get(tx);
    if (held !== undefined && (held.mode === "update" || mode === "share")) return this.uncommitted.get(tx) ?? held.state;
    const state = await this.lockAndRead(tx, mode);
    this.locks.set(tx, { mode, state });
    return state;
  }

  /**
   * The state a transaction decides its signals on, without a statement: the one it holds locked, else
   * the last committed. The lock comes with the decisions' INSERT, which writes them only if the row
   * still has this version (decision-batch.ts); if not, they are decided again on lockedState's answer.
   * Every signal of the transaction is decided on the same state.
   */
  decisionState(tx: Queryable): BrainState {
    let state = this.pinned.get(tx);
    if (state === undefined) {
      const held = this.locks.get(tx);
      state = held === undefined ? this.current : (this.uncommitted.get(tx) ?? held.state);
      this.pinned.set(tx, state);
    }
    return state;
  }

  /** The state at the version a statement of `tx` found when it locked the row (FOR SHARE), which it now holds. */
  async lockedState(tx: Queryable, stored: StoredVersion): Promise<BrainState> {
    const state = await this.stateAt(tx, stored);
    if (this.locks.get(tx) === undefined) this.locks.set(tx, { mode: "share", state });
    this.pinned.set(tx, state);
    return state;
  }

  private async lockAndRead(tx: Queryable, mode: "share" | "update"): Promise<BrainState> {
    return this.stateAt(tx, await lockState(tx, mode));
  }

  /** The state at the version `tx` locked: memory's, this transaction's own, one this process wrote, or read again. */
  private async stateAt(tx: Queryable, { version, writtenBy }: StoredVersion): Promise<BrainState> {
    const own = this.uncommitted.get(tx);
    // This transaction's changes are saved at its COMMIT: until then the row holds the version it locked.
    if (own !== undefined && (this.pendingSaves.get(tx)?.storedVersion === version || own.version === version)) return own;
    if (version === this.current.version) return this.current;
    const ours = this.written.get(writtenBy);
    if (own === undefined && ours !== undefined && ours.version === version) {
      // Visible to this lock, so committed: the newest committed state, written by this process.
      this.current = ours;
      return ours;
    }
    this.logger.info({ memory: this.current.version, stored: version }, "brain: state changed outside this process's memory; reloading");
    const stored = await loadBrainState(tx, this.params, this.clock.nowMs());
    // What this transaction sees is committed only if it has not written the state itself.
    if (own === undefined) this.current = stored;
    else this.uncommitted.set(tx, stored);
    return stored;
  }

  /** Applies one change inside `tx`: compute, write outputs and state, adopt after commit. A refusal writes nothing. */
  async change(tx: Queryable, compute: Compute, afterWrite?: AfterWrite, correlationId?: string): Promise<Step> {
    const before = await this.stateIn(tx, "update");
    const step = compute(before, this.stepContext());
    if (step.refused !== undefined) return step;
    const written = await writeStepOutputs(tx, before, step, this.clock, correlationId);
    if (written === "fill-already-booked") return refuse(before, [`fill ${step.out.fills[0]?.fillId ?? "?"} is booked already`]);
    if (afterWrite) await afterWrite(tx, before, step);
    this.saveBeforeCommit(tx, before, step.state);
    this.uncommitted.set(tx, step.state);
    onCommit(tx, () => this.adopt(step));
    return step;
  }

  /** One UPDATE of the state row per transaction, with its last state, whatever number of changes it made. */
  private saveBeforeCommit(tx: Queryable, before: BrainState, state: BrainState): void {
    const pending = this.pendingSaves.get(tx);
    if (pending !== undefined) {
      pending.state = state;
      return;
    }
    const save: PendingSave = { storedVersion: before.version, state };
    this.pendingSaves.set(tx, save);
    beforeCommit(tx, async () => {
      // A change made after this (by a later before-commit hook) saves again, over the version saved here.
      this.pendingSaves.delete(tx);
      const writtenBy = await saveBrainState(tx, save.state, save.storedVersion);
      this.written.set(writtenBy, save.state);
      if (this.written.size > WRITES_REMEMBERED) this.written.delete(this.written.keys().next().value as string);
    });
  }

  /** `change` in a transaction of its own. */
  changeAlone(compute: Compute, afterWrite?: AfterWrite): Promise<Step> {
    return this.db.transaction((tx) => this.change(tx, compute, afterWrite));
  }

  private adopt(step: Step): void {
    if (step.state.version > this.current.version) this.current = step.state;
    for (const event of step.out.breakerEvents) if (event.action === "trip") this.metrics.breakerTripsTotal.inc({ type: event.breaker });
    this.metrics.observeState(this.current, this.clock.nowMs(), this.params);
  }

  async registerPhase(phase: Phase, actor: AuditActor, reason: string): Promise<Step> {
    return this.changeAlone(
      (state, c) => onPhaseRegistered(state, phase, c),
      async (tx, before, step) => {
        const by: Principal = { kind: actor.kind, id: actor.id };
        await tx.query("brain_phase_insert", "INSERT INTO phases (phase, registered_at_ms, registered_by, reason) VALUES ($1, $2, $3::jsonb, $4)", [
          phase,
          this.clock.nowMs(),
          JSON.stringify(by),
          reason,
        ]);
        await appendAudit(
          auditTx(tx),
          { actor, service: "brain", action: "phase.register", target: `phase:${phase}`, reason, before: { registeredPhases: before.registeredPhases }, after: { registeredPhases: step.state.registeredPhases } },
          this.clock,
        );
      },
    );
  }

  /** Lets the clock act (SOFT cooldown, self-clearing causes, an override running out) when something is due. */
  async tickIfDue(): Promise<boolean> {
    if (!this.loaded || !tickDue(this.current, this.clock.nowMs())) return false;
    await this.changeAlone((state, c) => onTick(state, c));
    return true;
  }

  /** Sets the price-dependent gauges and, when asked, records a risk snapshot row. */
  async observeRisk(record: boolean): Promise<void> {
    const state = this.current;
    const risk = this.metrics.observeRisk(state, this.prices.history(), this.latestPrice, this.params);
    if (!record || risk === null) return;
    await this.db.query(
      "brain_risk_snapshot_insert",
      `INSERT INTO risk_snapshots (ts_ms, equity_usd, gross_exposure_usd, leverage, net_delta_usd, portfolio_beta, beta_weighted_delta_usd, var_95_usd, daily_drawdown_ratio, positions)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
      [
        this.clock.nowMs(),
        risk.equityUsd,
        risk.grossExposureUsd,
        Number.isFinite(risk.leverage) ? risk.leverage : null,
        risk.netDeltaUsd,
        risk.beta.portfolioBeta,
        risk.beta.betaWeightedDeltaUsd,
        risk.varUsd,
        risk.dailyDrawdownFraction,
        JSON.stringify(openPositions(state, this.latestPrice)),
      ],
    );
  }

  equityUsd(): number | null {
    return equityUsd(this.current);
  }
}
