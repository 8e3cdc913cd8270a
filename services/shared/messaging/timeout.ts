// A bound on how long messaging waits for Redis: a command written just before a connection dies can
// sit in the client's queues until reconnects give up, and nothing may hold a loop (or a PostgreSQL
// transaction) that long. The command itself cannot be recalled: callers treat a timeout as "maybe
// done", which at-least-once delivery and the inbox already absorb.
import type { Clock } from "../clock.js";

export class RedisTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`Redis did not answer ${what} within ${timeoutMs} ms`);
    this.name = "RedisTimeoutError";
  }
}

export const withTimeout = <T>(work: Promise<T>, timeoutMs: number, clock: Clock, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const cancel = clock.setTimer(timeoutMs, () => reject(new RedisTimeoutError(what, timeoutMs)));
    work.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (err: unknown) => {
        cancel();
        reject(err);
      },
    );
  });
