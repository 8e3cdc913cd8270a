// Rows a transaction writes together: each handler adds its item as it runs, and one before-commit hook
// (registered by the first item) hands them all to one write, so a batch of N messages costs one
// statement instead of N. A write that publishes messages is still flushed: flushBeforeCommit runs the
// hooks added while it runs.
import { beforeCommit, type Queryable } from "./database.js";

/**
 * A gatherer for one kind of item. `gather(tx, item, write)` adds `item` to what `tx` (a transaction of
 * Database.transaction) has gathered; the first call's `write` receives them all just before COMMIT.
 * An item added after that write starts a new gathering (and a new hook).
 */
export const createCommitGatherer = <T>(): ((tx: Queryable, item: T, write: (gathered: readonly T[]) => Promise<void>) => void) => {
  const gathering = new WeakMap<Queryable, T[]>();
  return (tx, item, write) => {
    let gathered = gathering.get(tx);
    if (gathered === undefined) {
      const batch: T[] = [];
      gathered = batch;
      gathering.set(tx, batch);
      beforeCommit(tx, async () => {
        gathering.delete(tx);
        await write(batch);
      });
    }
    gathered.push(item);
  };
};
