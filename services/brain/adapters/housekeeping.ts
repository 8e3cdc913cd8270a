// The brain's timers: the clock acting on the state (SOFT cooldown, causes that clear themselves, an
// override running out), the price-dependent risk gauges and snapshots, and pruning the messaging
// tables so the outbox and inbox stay bounded. Each job waits for its previous run; a failure is logged
// and the job runs again at its next turn.
import { pruneMessagingTables } from "../../shared/messaging/index.js";
import type { Stopper } from "../../shared/runtime.js";
import type { BrainSettings } from "../config.js";
import type { Brain } from "./brain.js";

const TICK_MS = 1_000;
const RISK_GAUGES_MS = 5_000;
const PRUNE_MS = 3_600_000;
const FIRST_PRUNE_MS = 30_000;

export function startHousekeeping(brain: Brain, settings: BrainSettings): Stopper {
  const cancels = new Set<() => void>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  const every = (name: string, intervalMs: number, firstDelayMs: number, job: () => Promise<void>): void => {
    const run = (): void => {
      if (stopped) return;
      const done = job()
        .catch((err: unknown) => brain.logger.warn({ err, job: name }, "brain: housekeeping job failed"))
        .finally(() => {
          running.delete(done);
          schedule(intervalMs);
        });
      running.add(done);
    };
    const schedule = (delayMs: number): void => {
      if (stopped) return;
      const cancel = brain.clock.setTimer(delayMs, () => {
        cancels.delete(cancel);
        run();
      });
      cancels.add(cancel);
    };
    schedule(firstDelayMs);
  };

  every("tick", TICK_MS, 0, async () => void (await brain.tickIfDue()));
  let lastSnapshotMs = Number.NEGATIVE_INFINITY;
  every("risk", RISK_GAUGES_MS, TICK_MS, async () => {
    const nowMs = brain.clock.nowMs();
    const record = nowMs - lastSnapshotMs >= settings.riskSnapshotIntervalMs;
    await brain.observeRisk(record);
    if (record) lastSnapshotMs = nowMs;
  });
  every("prune", PRUNE_MS, FIRST_PRUNE_MS, async () => {
    const pruned = await pruneMessagingTables(brain.db, { keepMs: settings.messagingRetentionMs });
    if (pruned.outbox + pruned.inbox > 0) brain.logger.info(pruned, "brain: pruned published outbox rows and old inbox rows");
  });

  return async () => {
    stopped = true;
    for (const cancel of cancels) cancel();
    cancels.clear();
    await Promise.all([...running]);
  };
}
