// node-postgres emits a checked-out client's connection loss as an 'error' event, which crashes the
// process when nobody listens (the pool listens only while the client is idle). The query in flight,
// or the next one, fails with the same error and the transaction reports it; the pool then drops the
// broken client on release. So a listener that only swallows the event is all a transaction needs.
import type { EventEmitter } from "node:events";

const guarded = new WeakSet<EventEmitter>();

export const guardCheckedOutClient = (client: EventEmitter): void => {
  if (guarded.has(client)) return;
  client.on("error", () => undefined);
  guarded.add(client);
};
