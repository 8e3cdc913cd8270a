// The PostgreSQL pool every service uses: each statement is named, timed and counted, and a
// transaction helper that always releases its connection.
import pg from "pg";
import { withPassword } from "../config/index.js";
import type { ServiceMetrics } from "../metrics.js";

export interface DatabaseOptions {
  readonly url: string;
  /** Overrides any password in the URL (it comes from a secret file). */
  readonly password?: string;
  readonly maxConnections?: number;
  readonly applicationName: string;
  /** A statement running longer than this is cancelled by the server. */
  readonly statementTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Require TLS to the server (managed PostgreSQL); off on loopback. */
  readonly ssl?: boolean;
}

export interface Queryable {
  /** Runs `sql`; `statement` is a short stable name used as the metric label. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(statement: string, sql: string, params?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly pool: pg.Pool;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable & { readonly client: pg.PoolClient }) => Promise<T>): Promise<T>;
  /** True when a trivial statement succeeds within the connect timeout. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const AFTER_COMMIT = Symbol("titan.db.afterCommit");
const BEFORE_COMMIT = Symbol("titan.db.beforeCommit");
const POOL = Symbol("titan.db.pool");

type TransactionQueryable = Queryable & {
  readonly [AFTER_COMMIT]?: Array<() => void>;
  readonly [BEFORE_COMMIT]?: Array<() => Promise<void>>;
  readonly [POOL]?: pg.Pool;
};

/** The pool a transaction of Database.transaction runs on (what identifies its database in this process). */
export const transactionPool = (tx: Queryable): pg.Pool | undefined => (tx as TransactionQueryable)[POOL];

/** True when `tx` is a transaction started by Database.transaction (its hooks are available). */
export const isHookedTransaction = (tx: Queryable): boolean => (tx as TransactionQueryable)[BEFORE_COMMIT] !== undefined;

/**
 * Runs `fn` inside the transaction `tx` belongs to, after everything else and just before COMMIT:
 * rows gathered while the transaction ran go out in one statement. A failure rolls the transaction back.
 */
export const beforeCommit = (tx: Queryable, fn: () => Promise<void>): void => {
  const hooks = (tx as TransactionQueryable)[BEFORE_COMMIT];
  if (hooks === undefined) throw new Error("beforeCommit: not inside a transaction started by Database.transaction");
  hooks.push(fn);
};

/** Runs the before-commit work now, in order (a consumer does, so a failure counts against its message). */
export const flushBeforeCommit = async (tx: Queryable): Promise<void> => {
  const hooks = (tx as TransactionQueryable)[BEFORE_COMMIT];
  for (let hook = hooks?.shift(); hook !== undefined; hook = hooks?.shift()) await hook();
};

/**
 * Runs `fn` once the transaction `tx` belongs to has committed, never if it rolls back: in-memory
 * state, metrics and timers must follow only what PostgreSQL kept. Works for transactions other code
 * starts for you too (the stream consumer's inbox transaction).
 */
export const onCommit = (tx: Queryable, fn: () => void): void => {
  const hooks = (tx as TransactionQueryable)[AFTER_COMMIT];
  if (hooks === undefined) throw new Error("onCommit: not inside a transaction started by Database.transaction");
  hooks.push(fn);
};

/** A transaction an earlier statement aborted: PostgreSQL would turn its COMMIT into a ROLLBACK without an error. */
export class TransactionAbortedError extends Error {
  constructor() {
    super("the transaction was aborted by an earlier failed statement (an error caught and not rethrown); nothing was committed");
    this.name = "TransactionAbortedError";
  }
}

/**
 * Throws when `tx`'s connection reports a failed transaction (ReadyForQuery status "E"): code that
 * caught an SQL error and carried on must fail where it did, not at a COMMIT that silently rolls back.
 * Costs no round trip: the status came with the last statement's answer.
 */
const assertTransactionUsable = (tx: { readonly client: pg.PoolClient }): void => {
  if (tx.client.getTransactionStatus() === "E") throw new TransactionAbortedError();
};

/** PostgreSQL refusing a prepared statement whose tables changed since it was planned (SQLSTATE 0A000). */
export const isStalePlanError = (err: unknown): boolean =>
  (err as { code?: unknown })?.code === "0A000" && /cached plan must not change result type/.test(String((err as Error)?.message));

/** Never equal to a statement's text: a name marked with it is no longer prepared. */
const STALE_PLAN = "\u0000stale plan";

// Numeric columns arrive as strings by default; int8 counts fit in a double for our uses.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** `onError` hears idle connections lost and after-commit hooks that threw. */
export const createDatabase = (opts: DatabaseOptions, metrics?: ServiceMetrics, onError?: (err: Error) => void): Database => {
  const pool = new pg.Pool({
    // pg lets the URL's (empty) password win over a separate option, so the secret goes into the URL.
    connectionString: withPassword(opts.url, opts.password),
    max: opts.maxConnections ?? 10,
    application_name: opts.applicationName,
    statement_timeout: opts.statementTimeoutMs ?? 10_000,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 2_000,
    idleTimeoutMillis: 30_000,
    ...(opts.ssl ? { ssl: { rejectUnauthorized: true, minVersion: "TLSv1.2" as const } } : {}),
  });
  // An idle client losing its server must not crash the process; readiness reports it instead.
  pool.on("error", (err) => onError?.(err));

  // A statement name always sent with the same text is prepared once per connection and then only bound
  // and executed: the server skips parsing and planning, a quarter of its CPU per statement on the hot
  // path. A name seen with another text (SQL built per call) runs unnamed, as every statement did before.
  const textOfName = new Map<string, string>();
  const timed = async <R extends pg.QueryResultRow>(runner: pg.Pool | pg.PoolClient, statement: string, sql: string, params?: readonly unknown[]) => {
    const end = metrics?.dbStatementSeconds.startTimer({ statement });
    try {
      let prepared = false;
      if (params !== undefined) {
        const known = textOfName.get(statement);
        if (known === undefined) textOfName.set(statement, sql);
        prepared = known === undefined || known === sql;
      }
      let result: pg.QueryResult<R>;
      try {
        result = prepared ? await runner.query<R>({ name: statement, text: sql, values: params as unknown[] }) : await runner.query<R>(sql, params as unknown[] | undefined);
      } catch (err) {
        // A table changed under a prepared plan (a migration while this process runs): the name runs
        // unnamed from now on. Outside a transaction the statement is simply sent again; inside one the
        // transaction is lost, and its caller's retry runs unnamed.
        if (!(prepared && isStalePlanError(err))) throw err;
        textOfName.set(statement, STALE_PLAN);
        if (!(runner instanceof pg.Pool)) throw err;
        result = await runner.query<R>(sql, params as unknown[] | undefined);
      }
      end?.({ outcome: "ok" });
      return result;
    } catch (err) {
      end?.({ outcome: "error" });
      throw err;
    }
  };

  const timedOn =
    (runner: pg.Pool | pg.PoolClient): Queryable["query"] =>
    (statement, sql, params) =>
      timed(runner, statement, sql, params);

  return {
    pool,
    query: timedOn(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // A connection dropped mid-transaction emits "error" on the client; unheard, it would crash the
      // process. The failing query rejects anyway, and the pool discards the client on release.
      const ignore = (): void => undefined;
      client.on("error", ignore);
      try {
        await timed(client, "begin", "BEGIN");
        const hooks: Array<() => void> = [];
        const tx = { client, query: timedOn(client), [AFTER_COMMIT]: hooks, [BEFORE_COMMIT]: [] as Array<() => Promise<void>>, [POOL]: pool };
        const result = await fn(tx);
        await flushBeforeCommit(tx);
        assertTransactionUsable(tx);
        const committed = await timed(client, "commit", "COMMIT");
        if (committed.command === "ROLLBACK") throw new TransactionAbortedError();
        for (const hook of hooks) {
          try {
            hook();
          } catch (err) {
            onError?.(err as Error);
          }
        }
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.off("error", ignore);
        client.release();
      }
    },
    async ping() {
      try {
        await timed(pool, "ping", "SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
};
