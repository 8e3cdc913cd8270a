// The brain's heartbeat, every second, straight to its Redis stream (capped at ~10,000 entries). It is
// not written through the outbox on purpose: a beat is not a state change, so it has nothing to commit
// with, and a second's beat that PostgreSQL would keep forever would only grow the outbox. It says what
// execution's dead-man switch needs to know: this brain process is alive and can reach the bus. When
// Redis cannot be reached the beat is lost, which is exactly what the switch should see. The entry has
// the same shape as relayed messages, so any consumer group reads it like one. Its trading state is the
// brain's effective one, the causes the dependency watch holds included (a beat during a PostgreSQL
// outage says HALTED; during a Redis outage no beat leaves at all).
import type { Redis } from "ioredis";
import { makeEnvelope, streamOf } from "../../shared/contracts/index.js";
import type { Stopper } from "../../shared/runtime.js";
import { encodeEntryFields } from "../../shared/messaging/index.js";
import { withTimeout } from "../../shared/messaging/timeout.js";
import { effectiveStateWithHeld, NO_HELD_CAUSES, type HeldCauses } from "../state/dependency-causes.js";
import type { Brain } from "./brain.js";

export const HEARTBEAT_STREAM_MAXLEN = 10_000;

export function startHeartbeat(brain: Brain, redis: Redis, instanceId: string, intervalMs: number, heldCauses: HeldCauses = NO_HELD_CAUSES): Stopper {
  const startedAtMs = brain.clock.nowMs();
  let sequence = 0;
  let running = true;
  let cancel: () => void = () => undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const beat = async (): Promise<void> => {
    const nowMs = brain.clock.nowMs();
    // Counted per attempt: a gap in the sequence tells the receiver that beats were lost.
    const payload = { version: 1 as const, service: "brain" as const, instanceId, sequence: sequence++, startedAtMs, tradingState: effectiveStateWithHeld(brain.state.trading, heldCauses(), nowMs), tsMs: nowMs };
    try {
      const envelope = makeEnvelope("heartbeat", payload, { source: "brain", clock: brain.clock });
      await withTimeout(
        redis.xadd(streamOf("heartbeat"), "MAXLEN", "~", HEARTBEAT_STREAM_MAXLEN, "*", ...encodeEntryFields(envelope)),
        Math.max(100, intervalMs),
        brain.clock,
        "heartbeat XADD",
      );
      brain.metrics.heartbeatsTotal.inc({ outcome: "published" });
    } catch (err) {
      brain.metrics.heartbeatsTotal.inc({ outcome: "failed" });
      brain.logger.debug({ err: (err as Error).message }, "brain: heartbeat not published");
    }
  };

  const schedule = (): void => {
    cancel = brain.clock.setTimer(intervalMs, () => {
      if (!running) return;
      inFlight = beat().finally(() => {
        if (running) schedule();
      });
    });
  };
  inFlight = beat().finally(schedule);

  return async () => {
    running = false;
    cancel();
    await inFlight;
  };
}
