// After-commit hooks for transactions the brain does not start itself (the shared consumer runs each
// handler inside its inbox transaction and offers no hook). The brain's in-memory state, its metrics
// and its latency figures must follow only what PostgreSQL committed, so the brain hands the shared
// machinery a decorated Database whose transactions carry a hook list, run once COMMIT succeeded and
// dropped on rollback.
import type { Database, Queryable } from "../../shared/db/database.js";

const HOOKS = Symbol("titan.brain.afterCommit");

type HookedTx = Queryable & { readonly [HOOKS]?: Array<() => void> };

/** Runs `fn` after the transaction `tx` belongs to commits; never if it rolls back. */
export function onCommit(tx: Queryable, fn: () => void): void {
  const hooks = (tx as HookedTx)[HOOKS];
  if (hooks === undefined) throw new Error("onCommit: this transaction was not started through the brain's hooked database");
  hooks.push(fn);
}

/** The same database, with after-commit hooks on every transaction; `onError` hears a hook that threw. */
export function withCommitHooks(db: Database, onError: (err: unknown) => void): Database {
  return {
    ...db,
    pool: db.pool,
    async transaction(fn) {
      const hooks: Array<() => void> = [];
      const result = await db.transaction((tx) => fn({ ...tx, [HOOKS]: hooks } as typeof tx));
      for (const hook of hooks) {
        try {
          hook();
        } catch (err) {
          onError(err);
        }
      }
      return result;
    },
  };
}
