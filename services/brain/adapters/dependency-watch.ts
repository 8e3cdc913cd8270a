// The brain's dependency watch: every interval it checks PostgreSQL and Redis with a short deadline on
// the injected clock, feeds the answers to the pure rule (state/dependency-causes.ts), holds the causes it
// raises, and has the brain's views re-render when they change. Each raise and clear is an audit event
// ("trading-state.change": domain.md wants every change of the state in the audit log), written as soon
// as PostgreSQL takes it: at once for a Redis outage, after recovery for a PostgreSQL one, with the
// episode's own times inside. The causes are never written to the brain's state row (see
// dependency-causes.ts), so nothing is published on the bus for them: execution sees the same outage itself.
import pg from "pg";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { appendAudit, type AuditEventInput } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import type { Stopper } from "../../shared/runtime.js";
import type { CauseRecord, TradingStateModel, TradingStateName } from "../domain/index.js";
import {
  DEFAULT_DEPENDENCY_WATCH_POLICY,
  INITIAL_DEPENDENCY_WATCH,
  WATCHED_DEPENDENCIES,
  effectiveStateWithHeld,
  heldCauses,
  observeCheck,
  policyProblems,
  type DependencyEpisodeEvent,
  type DependencyWatchPolicy,
  type DependencyWatchState,
  type WatchedDependency,
} from "../state/dependency-causes.js";
import type { Brain } from "./brain.js";
import { auditTx } from "./step-writer.js";

export interface DependencyWatchTiming {
  /** Pause between the end of one round of checks and the next. */
  readonly intervalMs: number;
  /** A check not answered within this counts as failed. */
  readonly timeoutMs: number;
  readonly policy: DependencyWatchPolicy;
}

/** A round every half second, an answer within a second, raised after two failures: an outage shows within ~2 s. */
export const DEFAULT_DEPENDENCY_WATCH_TIMING: DependencyWatchTiming = { intervalMs: 500, timeoutMs: 1_000, policy: DEFAULT_DEPENDENCY_WATCH_POLICY };

interface StateView {
  readonly state: TradingStateName;
  readonly causes: readonly CauseRecord[];
}

/** One raise or clear with the brain's effective state just before and after it. */
export interface EpisodeEntry {
  readonly event: DependencyEpisodeEvent;
  readonly before: StateView;
  readonly after: StateView;
}

export interface DependencyWatchOptions extends Partial<DependencyWatchTiming> {
  readonly clock: Clock;
  readonly logger: Logger;
  /** True when the dependency answered; `recovering` while its cause is held. */
  readonly checks: Readonly<Record<WatchedDependency, (recovering: boolean) => Promise<boolean>>>;
  /** The persisted trading-state model now: each audit event shows the effective state around it. */
  readonly persisted: () => TradingStateModel;
  /** Writes entries to the audit log in one transaction; throws when PostgreSQL does not take them. */
  readonly record: (entries: readonly EpisodeEntry[]) => Promise<void>;
  /** The held causes changed. */
  readonly onChange: () => void;
}

/** Audit events waiting for PostgreSQL beyond this are dropped, oldest first (a flapping dependency must not grow memory without bound). */
const MAX_PENDING_ENTRIES = 500;

/** Resolves to the check's answer, or false when it throws or does not answer in time. */
const answersWithin = (check: () => Promise<boolean>, timeoutMs: number, clock: Clock): Promise<boolean> =>
  new Promise((resolve) => {
    const cancel = clock.setTimer(timeoutMs, () => resolve(false));
    Promise.resolve()
      .then(check)
      .then(
        (ok) => resolve(ok),
        () => resolve(false),
      )
      .finally(cancel);
  });

export class DependencyWatch {
  private state: DependencyWatchState = INITIAL_DEPENDENCY_WATCH;
  private readonly timing: DependencyWatchTiming;
  private readonly pending: EpisodeEntry[] = [];
  private flushing: Promise<void> | null = null;
  private ticking: Promise<void> | null = null;
  private cancel: (() => void) | null = null;
  private running = false;

  constructor(private readonly o: DependencyWatchOptions) {
    this.timing = { intervalMs: o.intervalMs ?? DEFAULT_DEPENDENCY_WATCH_TIMING.intervalMs, timeoutMs: o.timeoutMs ?? DEFAULT_DEPENDENCY_WATCH_TIMING.timeoutMs, policy: o.policy ?? DEFAULT_DEPENDENCY_WATCH_TIMING.policy };
    const problems = policyProblems(this.timing.policy);
    for (const key of ["intervalMs", "timeoutMs"] as const) if (!(this.timing[key] > 0)) problems.push(`${key} must be a positive number of milliseconds, not ${this.timing[key]}`);
    if (problems.length > 0) throw new Error(`dependency watch: ${problems.join("; ")}`);
  }

  /** The causes held now (empty while every dependency answers). */
  readonly causes = (): readonly CauseRecord[] => heldCauses(this.state);

  /** Audit entries not yet in PostgreSQL. */
  get pendingEntries(): number {
    return this.pending.length;
  }

  start(): void {
    this.running = true;
    const loop = (delayMs: number): void => {
      this.cancel = this.o.clock.setTimer(delayMs, () => {
        if (!this.running) return;
        this.ticking = this.tick()
          .catch((err: unknown) => this.o.logger.error({ err }, "brain: dependency watch round failed"))
          .finally(() => {
            if (this.running) loop(this.timing.intervalMs);
          });
      });
    };
    loop(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancel?.();
    await this.ticking;
    await this.flushing;
  }

  /** One round: check every dependency at once, apply the answers in a fixed order, then write what waits for the audit log. */
  async tick(): Promise<void> {
    const answers = await Promise.all(
      WATCHED_DEPENDENCIES.map((dependency) => answersWithin(() => this.o.checks[dependency](this.state[dependency].held !== null), this.timing.timeoutMs, this.o.clock)),
    );
    let changed = false;
    WATCHED_DEPENDENCIES.forEach((dependency, i) => {
      const held = this.causes();
      const next = observeCheck(this.state, { dependency, ok: answers[i] === true, atMs: this.o.clock.nowMs() }, this.timing.policy);
      this.state = next.state;
      if (next.event === null) return;
      changed = true;
      this.log(next.event);
      this.enqueue({ event: next.event, before: this.view(held), after: this.view(this.causes()) });
    });
    if (changed) this.o.onChange();
    if (this.pending.length > 0 && this.state.postgres.held === null && this.flushing === null) {
      // Not awaited by the round: a slow write must not delay noticing the next outage.
      this.flushing = this.flush().finally(() => (this.flushing = null));
    }
  }

  private view(held: readonly CauseRecord[]): StateView {
    const persisted = this.o.persisted();
    const nowMs = this.o.clock.nowMs();
    return { state: effectiveStateWithHeld(persisted, held, nowMs), causes: [...persisted.causes.filter((c) => c.clearsAtMs === undefined || nowMs < c.clearsAtMs), ...held] };
  }

  private enqueue(entry: EpisodeEntry): void {
    this.pending.push(entry);
    if (this.pending.length > MAX_PENDING_ENTRIES) {
      const dropped = this.pending.splice(0, this.pending.length - MAX_PENDING_ENTRIES);
      this.o.logger.error({ dropped: dropped.length }, "brain: dependency episodes waited too long for PostgreSQL; the oldest are not audited");
    }
  }

  private async flush(): Promise<void> {
    const batch = this.pending.slice();
    try {
      await this.o.record(batch);
      // Only what was written leaves the queue; entries added meanwhile stay for the next round.
      this.pending.splice(0, batch.length);
    } catch (err) {
      this.o.logger.warn({ err, waiting: batch.length }, "brain: dependency episode not audited yet; retried next round");
    }
  }

  private log(event: DependencyEpisodeEvent): void {
    const { dependency, state, raisedAtMs } = event.record;
    if (event.kind === "raised") this.o.logger.warn({ dependency, state }, `brain: ${dependency} unavailable; trading ${state} until it answers again`);
    else this.o.logger.info({ dependency, downForMs: event.clearedAtMs - raisedAtMs }, `brain: ${dependency} is back; its cause is cleared`);
  }
}

const BRAIN_ACTOR = { kind: "service", id: "brain", name: "brain" } as const;

/** An episode entry as an audit event: the same action as the brain's other trading-state changes. */
export function episodeAuditEvent(entry: EpisodeEntry): AuditEventInput {
  const { event, before, after } = entry;
  const dependency = event.record.dependency ?? "unknown";
  const times = event.kind === "raised" ? { raisedAtMs: event.record.raisedAtMs } : { raisedAtMs: event.record.raisedAtMs, clearedAtMs: event.clearedAtMs, downForMs: event.clearedAtMs - event.record.raisedAtMs };
  return {
    actor: BRAIN_ACTOR,
    service: "brain",
    action: "trading-state.change",
    target: "trading-state:brain",
    reason: `${event.kind === "raised" ? `${dependency} unavailable` : `${dependency} is back`}: ${before.state} → ${after.state}`,
    before,
    after: { ...after, cause: "dependency-unavailable", dependency, ...times },
  };
}

/**
 * PostgreSQL checked on a connection of its own: a pool busy deciding signals is not an outage, and its
 * queue must not delay the check. A connection that fails is dropped and opened again at the next check.
 */
export class PostgresProbe {
  private client: pg.Client | null = null;

  constructor(private readonly config: pg.ClientConfig) {}

  async ping(): Promise<boolean> {
    let client = this.client;
    try {
      if (client === null) {
        const fresh = new pg.Client(this.config);
        fresh.on("error", () => this.drop(fresh)); // the server went away under an idle connection
        this.client = client = fresh;
        await fresh.connect();
      }
      await client.query("SELECT 1");
      return true;
    } catch {
      if (client !== null) this.drop(client);
      return false;
    }
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = null;
    client.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

const redisAnswers = async (redis: Redis): Promise<boolean> => redis.status === "ready" && (await redis.ping()) === "PONG";

/**
 * The brain's watch: PostgreSQL answers on the probe's connection and, while its cause is held, the
 * brain's state reloads cleanly in a transaction (memory may have missed a commit whose answer was lost);
 * Redis answers PING on the service's command connection.
 */
export function brainDependencyWatch(brain: Brain, redis: Redis, timing: Partial<DependencyWatchTiming> = {}): { watch: DependencyWatch; stop: Stopper } {
  const probe = new PostgresProbe(brain.db.pool.options);
  const reloadState = async (): Promise<boolean> => {
    await brain.db.transaction((tx) => brain.stateIn(tx, "share"));
    return true;
  };
  const watch = new DependencyWatch({
    ...timing,
    clock: brain.clock,
    logger: brain.logger,
    checks: {
      postgres: async (recovering) => (await probe.ping()) && (!recovering || (await reloadState())),
      redis: () => redisAnswers(redis),
    },
    persisted: () => brain.state.trading,
    record: (entries) =>
      brain.db.transaction(async (tx) => {
        for (const entry of entries) await appendAudit(auditTx(tx), episodeAuditEvent(entry), brain.clock);
      }),
    onChange: () => brain.metrics.observeState(brain.state, brain.clock.nowMs(), brain.params),
  });
  return {
    watch,
    stop: async () => {
      await watch.stop();
      await probe.close();
    },
  };
}
