// A rate-controlled publisher that hands signals to the brain exactly as the scavenger does: one
// transaction writes scavenger.signals and the `signal` outbox row (publishSignal), and the scavenger's
// own relay puts it on the bus. Signal i is due at start + i / rate; a publisher that falls behind (the
// database pushing back) sends at once and the shortfall shows as a lower achieved rate.
import { publishSignal } from "../../services/scavenger/adapters/signal-store.js";
import { systemClock } from "../../services/shared/clock.js";
import type { Signal } from "../../services/shared/contracts/index.js";
import type { Database } from "../../services/shared/db/database.js";

export interface PublishPlan {
  readonly ratePerSecond: number;
  readonly count: number;
  /** Builds signal i at the moment it is sent (its tsMs is that moment). */
  readonly make: (index: number, nowMs: number) => Signal;
  /** Transactions in flight at most: beyond it the publisher waits for the database. */
  readonly maxInFlight: number;
  readonly onProgress?: (published: number) => void;
}

export interface PublishOutcome {
  readonly signalIds: string[];
  readonly failures: string[];
  readonly firstSentMs: number;
  readonly lastCommittedMs: number;
  /** How late the last signal left against its schedule. */
  readonly maxScheduleLagMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const publishAtRate = async (db: Database, plan: PublishPlan): Promise<PublishOutcome> => {
  if (!(plan.ratePerSecond > 0) || !Number.isInteger(plan.count) || plan.count < 1) throw new RangeError("publishAtRate: a positive rate and count are needed");
  const signalIds: string[] = [];
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const startMs = Date.now();
  let lastCommittedMs = startMs;
  let maxScheduleLagMs = 0;
  const intervalMs = 1000 / plan.ratePerSecond;
  for (let i = 0; i < plan.count; i++) {
    const dueMs = startMs + i * intervalMs;
    const aheadMs = dueMs - Date.now();
    if (aheadMs >= 1) await sleep(aheadMs);
    while (inFlight.size >= plan.maxInFlight) await Promise.race(inFlight);
    const nowMs = Date.now();
    maxScheduleLagMs = Math.max(maxScheduleLagMs, nowMs - dueMs);
    const signal = plan.make(i, nowMs);
    signalIds.push(signal.signalId);
    const task: Promise<void> = publishSignal(db, { message: signal, configVersion: signal.configVersion ?? 1 }, { clock: systemClock, instanceId: "bench" })
      .then(() => {
        lastCommittedMs = Math.max(lastCommittedMs, Date.now());
      })
      .catch((err: unknown) => {
        failures.push(`${signal.signalId}: ${(err as Error).message}`);
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (plan.onProgress && (i + 1) % Math.max(1, Math.round(plan.ratePerSecond)) === 0) plan.onProgress(i + 1);
  }
  await Promise.all(inFlight);
  return { signalIds, failures, firstSentMs: startMs, lastCommittedMs, maxScheduleLagMs };
};
