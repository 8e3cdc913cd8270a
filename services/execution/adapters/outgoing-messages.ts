// The messages one shadow-book transaction announces, published together at its end: those that may
// have been published before (a rebuilt report) are looked up in the outbox in one statement, not one
// each, and a copy is skipped (the outbox's primary key would otherwise fail the whole commit).

import type { Queryable } from "../../shared/db/database.js";
import { publishedAmong } from "./store.js";

export interface OutgoingMessage {
  /** The message's deterministic id. */
  readonly id: string;
  /** True when the caller knows no copy can be in the outbox (named after something first recorded in this transaction). */
  readonly unseen: boolean;
  readonly publish: () => Promise<unknown>;
}

export class OutgoingMessages {
  private readonly byId = new Map<string, OutgoingMessage>();

  /** Queues a message; a second one with the same id in this transaction is the same message and is dropped. */
  add(message: OutgoingMessage): void {
    const key = message.id.toLowerCase();
    if (!this.byId.has(key)) this.byId.set(key, message);
  }

  /** Publishes, in the order added, every queued message not already in the outbox. */
  async publish(tx: Queryable): Promise<number> {
    const messages = [...this.byId.values()];
    const doubtful = messages.filter((m) => !m.unseen).map((m) => m.id);
    const published = doubtful.length > 0 ? await publishedAmong(tx, doubtful) : new Set<string>();
    let sent = 0;
    for (const m of messages) {
      if (published.has(m.id.toLowerCase())) continue;
      await m.publish();
      sent += 1;
    }
    return sent;
  }
}
