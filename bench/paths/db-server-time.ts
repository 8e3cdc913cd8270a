// Path 3, server side: what the hot-path statements cost inside PostgreSQL (pg_stat_statements'
// total_exec_time; a COMMIT's includes its WAL flush), beside what the services observe. The services'
// own histograms add the loopback round trip, TLS and their event loop's wait for the reply, which on a
// saturated two-core machine is mostly queueing for a CPU. The local stack preloads the extension; a
// cluster initialised before that goes without this row.
import pg from "pg";
import { roleFor } from "../../services/shared/db/provision.js";
import { judge, TARGETS, type ResultRow } from "../lib/results.js";
import { formatSeconds } from "../lib/stats.js";
import { HOT_PATH_SERVICES } from "./db-statements.js";
import type { SignalLoad } from "./signal-to-order.js";

interface ServerStatement {
  readonly role: string;
  readonly query: string;
  readonly calls: number;
  readonly totalMs: number;
}

/** (role, query id) → cumulative figures; null when the server has no pg_stat_statements. */
export type ServerStatementSnapshot = ReadonlyMap<string, ServerStatement> | null;

const UNDEFINED_TABLE = "42P01";

export const snapshotServerStatements = async (adminDatabaseUrl: string): Promise<ServerStatementSnapshot> => {
  const client = new pg.Client({ connectionString: adminDatabaseUrl, application_name: "titan-bench" });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string; role: string; query: string; calls: string; total_ms: number }>(
      `SELECT s.userid::text || ':' || s.queryid::text AS key, r.rolname AS role, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 60) AS query,
              s.calls::text AS calls, s.total_exec_time AS total_ms
         FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
        WHERE r.rolname = ANY($1)`,
      [HOT_PATH_SERVICES.map((s) => roleFor(s))],
    );
    return new Map(rows.map((r) => [r.key, { role: r.role, query: r.query, calls: Number(r.calls), totalMs: r.total_ms }]));
  } catch (err) {
    if ((err as { code?: string }).code === UNDEFINED_TABLE) return null;
    throw err;
  } finally {
    await client.end();
  }
};

/** What ran between two snapshots, per statement, most total time first. */
export const serverStatementDelta = (before: ReadonlyMap<string, ServerStatement>, after: ReadonlyMap<string, ServerStatement>): ServerStatement[] =>
  [...after]
    .map(([key, a]) => {
      const b = before.get(key);
      // An entry evicted and re-added in between (pg_stat_statements.max) counts from zero.
      const reset = b === undefined || a.calls < b.calls;
      return { ...a, calls: reset ? a.calls : a.calls - b.calls, totalMs: reset ? a.totalMs : a.totalMs - b.totalMs };
    })
    .filter((s) => s.calls > 0)
    .sort((x, y) => y.totalMs - x.totalMs);

export const serverStatementsRow = (before: ServerStatementSnapshot, after: ServerStatementSnapshot, load: SignalLoad, quick: boolean): ResultRow | null => {
  if (before === null || after === null) return null;
  const statements = serverStatementDelta(before, after);
  const calls = statements.reduce((n, s) => n + s.calls, 0);
  const id = `db-server:${load.ratePerSecond}`;
  const title = `same statements inside PostgreSQL, ${load.ratePerSecond}/s`;
  if (calls === 0) return { id, path: "db", title, status: "failed", unit: "seconds", targets: [], notes: ["pg_stat_statements saw no statement of the hot-path roles"] };
  const meanSeconds = statements.reduce((t, s) => t + s.totalMs, 0) / calls / 1_000;
  return {
    id,
    path: "db",
    title,
    status: "measured",
    unit: "seconds",
    value: meanSeconds,
    targets: quick ? [] : judge({ value: meanSeconds }, TARGETS.dbStatements.map((t) => ({ ...t, figure: "value" as const }))),
    notes: [
      `${calls.toLocaleString("en-US")} statements; mean execution time inside the server ${formatSeconds(meanSeconds)} (pg_stat_statements; no network, TLS or client wait)`,
      `most time: ${statements.slice(0, 6).map((s) => `${s.role} "${s.query}" ×${s.calls} mean ${formatSeconds(s.totalMs / s.calls / 1_000)}`).join("; ")}`,
    ],
    details: { statements: statements.slice(0, 30) },
  };
};
