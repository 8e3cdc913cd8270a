// The brain's imperative shell around its state: the committed state in memory, the lock-and-version
// discipline every change goes through, and the operations the consumers, timers and routes call.
// Memory only ever holds what PostgreSQL committed: a change is computed from the locked state, written
// with its outputs in the caller's transaction, and adopted by memory in an after-commit hook.
import type { Logger } from "pino";
import { appendAudit, type AuditActor } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import type { Database, Queryable } from "../../shared/db/database.js";
import type { ServiceContext } from "../../shared/runtime.js";
import type { BrainSettings } from "../config.js";
import type { BrainParameters, Phase, Principal } from "../domain/index.js";
import { INITIAL_BRAIN_STATE, equityUsd, openPositions, type BrainState, type LatestPrice } from "../state/brain-state.js";
import { PriceHistoryBook } from "../state/price-history.js";
import { onPhaseRegistered, onTick, tickDue, type Step, type StepContext } from "../state/transitions.js";
import { BrainMetrics } from "./brain-metrics.js";
import { onCommit } from "../../shared/db/database.js";
import { ensureStateRow, loadBrainState, lockState, saveBrainState } from "./state-store.js";
import { auditTx, writeStepOutputs } from "./step-writer.js";

export type Compute = (state: BrainState, ctx: StepContext) => Step;
/** Extra writes of an accepted change (its own table rows, its audit event), in the same transaction. */
export type AfterWrite = (tx: Queryable, before: BrainState, step: Step) => Promise<void>;

export class Brain {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly params: BrainParameters;
  readonly metrics: BrainMetrics;
  readonly prices: PriceHistoryBook;
  private current: BrainState = INITIAL_BRAIN_STATE;
  /** State a transaction wrote and has not committed yet: later messages of the same batch build on it. */
  private readonly uncommitted = new WeakMap<Queryable, BrainState>();
  /** The lock each open transaction took on the state row, and the state it read then. */
  private readonly locks = new WeakMap<Queryable, { readonly mode: "share" | "update"; readonly state: BrainState }>();
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

  private async lockAndRead(tx: Queryable, mode: "share" | "update"): Promise<BrainState> {
    const version = await lockState(tx, mode);
    const own = this.uncommitted.get(tx);
    if (own !== undefined && own.version === version) return own;
    if (version === this.current.version) return this.current;
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
    await writeStepOutputs(tx, before, step, this.clock, correlationId);
    if (afterWrite) await afterWrite(tx, before, step);
    await saveBrainState(tx, step.state);
    this.uncommitted.set(tx, step.state);
    onCommit(tx, () => this.adopt(step));
    return step;
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
