// Execution's own causes that come from time and health: the dead-man switch on the brain's heartbeat
// (REDUCING after 60 s of silence, cleared when heartbeats return) and lost dependencies — the venue
// (failed calls, or its private stream down), PostgreSQL, Redis — which restrict trading fail-closed
// and clear themselves once the dependency is back and a reconciliation has come out clean.

import type { Logger } from "pino";
import type { Clock } from "../../shared/clock.js";
import type { Heartbeat } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { heartbeatMissing } from "../domain/trading-state.js";
import { EXECUTION_PRINCIPAL, TradingStateError, type TradingStateKeeper } from "./trading-state-keeper.js";
import type { VenueHealth } from "./venue-sync.js";

type Dependency = "postgres" | "redis" | "venue";

export interface WatchdogOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly keeper: TradingStateKeeper;
  readonly deadmanTimeoutMs: number;
  readonly venueFailuresBeforeReducing: number;
  readonly pingPostgres: () => Promise<boolean>;
  readonly pingRedis: () => Promise<boolean>;
  /** Called once when the dead-man switch trips and flattening on it is configured. */
  readonly onDeadman?: () => void;
  /** Asks for a reconciliation soon (a recovered dependency clears only after a clean one). */
  readonly requestReconciliation: () => void;
  readonly tickMs?: number;
}

export class Watchdog implements VenueHealth {
  private lastHeartbeatMs: number;
  private venueFailures = 0;
  private streamDownSinceMs: number | null = null;
  private cancel: (() => void) | null = null;
  private ticking: Promise<void> | null = null;
  private readonly healthy: Record<Dependency, boolean> = { postgres: true, redis: true, venue: true };
  /** When each dependency whose cause is still held was first seen answering again. */
  private readonly backSinceMs: Partial<Record<Dependency, number>> = {};

  constructor(private readonly o: WatchdogOptions) {
    this.lastHeartbeatMs = o.clock.nowMs();
  }

  start(): void {
    const loop = () => {
      this.cancel = this.o.clock.setTimer(this.o.tickMs ?? 1_000, () => {
        this.ticking = this.tick()
          .catch((err: unknown) => this.o.logger.error({ err }, "watchdog tick failed"))
          .finally(loop);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.cancel?.();
    await this.ticking;
  }

  venueCall(ok: boolean): void {
    this.venueFailures = ok ? 0 : this.venueFailures + 1;
  }

  stream(up: boolean): void {
    this.streamDownSinceMs = up ? null : (this.streamDownSinceMs ?? this.o.clock.nowMs());
  }

  /** A heartbeat, inside the consumer's transaction: the brain's ones reset the dead-man switch. */
  async onHeartbeat(heartbeat: Heartbeat, tx: Queryable): Promise<void> {
    if (heartbeat.service !== "brain") return;
    this.lastHeartbeatMs = this.o.clock.nowMs();
    if (this.o.keeper.has("heartbeat-missing")) {
      await this.o.keeper.clear("heartbeat-missing", EXECUTION_PRINCIPAL, "the brain's heartbeats are back", undefined, undefined, tx).catch(ignoreStateError);
    }
  }

  brainSilenceMs(): number {
    return this.o.clock.nowMs() - this.lastHeartbeatMs;
  }

  async tick(): Promise<void> {
    const now = this.o.clock.nowMs();
    const keeper = this.o.keeper;
    if (heartbeatMissing(this.lastHeartbeatMs, now, this.o.deadmanTimeoutMs) && !keeper.has("heartbeat-missing")) {
      const raised = await keeper.raise({ cause: "heartbeat-missing", state: "REDUCING", raisedBy: EXECUTION_PRINCIPAL, detail: `no heartbeat from the brain for ${Math.round((now - this.lastHeartbeatMs) / 1000)} s` });
      if (raised) this.o.onDeadman?.();
    }
    const streamDownS = this.streamDownSinceMs === null ? 0 : (now - this.streamDownSinceMs) / 1000;
    const venueOk = this.venueFailures < this.o.venueFailuresBeforeReducing && streamDownS < this.o.venueFailuresBeforeReducing;
    await this.dependency("venue", venueOk, "REDUCING", `venue unreachable: ${this.venueFailures} failed calls in a row, private stream down ${Math.round(streamDownS)} s`);
    await this.dependency("postgres", await this.o.pingPostgres(), "HALTED", "PostgreSQL unreachable: nothing can be recorded");
    await this.dependency("redis", await this.o.pingRedis(), "REDUCING", "Redis unreachable: commands and reports cannot travel");
    await keeper.tick();
  }

  private async dependency(name: Dependency, ok: boolean, state: "REDUCING" | "HALTED", detail: string): Promise<void> {
    const keeper = this.o.keeper;
    const wasHealthy = this.healthy[name];
    this.healthy[name] = ok;
    if (!ok) delete this.backSinceMs[name];
    if (!ok && !keeper.has("dependency-unavailable", name)) {
      await keeper.raise({ cause: "dependency-unavailable", state, raisedBy: EXECUTION_PRINCIPAL, dependency: name, detail }).catch((err: unknown) => this.o.logger.error({ err }, "raising a dependency cause failed"));
    } else if (ok && keeper.has("dependency-unavailable", name)) {
      // A cause loaded at start (held before a restart) counts as back from the first tick that sees the dependency.
      if (!wasHealthy || this.backSinceMs[name] === undefined) {
        this.backSinceMs[name] = this.o.clock.nowMs();
        this.o.requestReconciliation();
      }
      // After recovery and a clean reconciliation (domain.md): one that finished during the outage does not
      // count, which matters for Redis, whose loss leaves reconciliation (venue and PostgreSQL) working.
      if ((keeper.lastCleanReconciliation() ?? Number.NEGATIVE_INFINITY) < this.backSinceMs[name]!) return;
      await keeper.clear("dependency-unavailable", EXECUTION_PRINCIPAL, `${name} is back`, undefined, name).catch(ignoreStateError);
    }
  }
}

/** A clear refused by the rules (no clean reconciliation yet) is retried on the next tick. */
function ignoreStateError(err: unknown): void {
  if (!(err instanceof TradingStateError)) throw err;
}
