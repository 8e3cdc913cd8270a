// An md5 of every table of every schema of a database, one per table, over its rows in a fixed order:
// what a rejected request must leave exactly as it found it.
import type pg from "pg";

/** `schema.table` → md5 of its rows. */
export type TableChecksums = ReadonlyMap<string, string>;

export interface ChecksumOptions {
  /**
   * Columns left out, by `schema.table`: bookkeeping that any authenticated request may write
   * whatever its content (an API token's last use), not an effect of the request.
   */
  readonly ignoreColumns?: Readonly<Record<string, readonly string[]>>;
  /** Tables left out entirely, by `schema.table`. */
  readonly ignoreTables?: readonly string[];
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

export class TableChecksummer {
  private statement: string | null = null;
  private outboxStatement: string | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: ChecksumOptions = {},
  ) {}

  /** Re-reads the table list (after migrations add tables). */
  async refresh(): Promise<readonly string[]> {
    const { rows } = await this.pool.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
    );
    const outboxes = rows.filter((r) => r.name === "outbox");
    this.outboxStatement =
      outboxes.length === 0 ? "SELECT 0 AS n" : `SELECT (${outboxes.map((r) => `(SELECT count(*) FROM ${quoteIdent(r.schema)}.outbox WHERE published_at IS NULL)`).join(" + ")})::int AS n`;
    const tables = rows.map((r) => ({ ...r, key: `${r.schema}.${r.name}` })).filter((t) => !(this.opts.ignoreTables ?? []).includes(t.key));
    if (tables.length === 0) throw new Error("no tables to checksum: is the database migrated?");
    this.statement = tables
      .map(({ schema, name, key }) => {
        const ignored = this.opts.ignoreColumns?.[key] ?? [];
        const row = ignored.length === 0 ? "to_jsonb(r)" : `to_jsonb(r) - ARRAY[${ignored.map(quoteLiteral).join(", ")}]::text[]`;
        return `SELECT ${quoteLiteral(key)} AS t, count(*)::int AS n, md5(coalesce(string_agg((${row})::text, E'\\n' ORDER BY (${row})::text), '')) AS h FROM ${quoteIdent(schema)}.${quoteIdent(name)} r`;
      })
      .join("\nUNION ALL\n");
    return tables.map((t) => t.key);
  }

  /** Messages enqueued in any schema's outbox and not yet published by its relay. */
  async unpublishedMessages(): Promise<number> {
    if (this.outboxStatement === null) await this.refresh();
    const { rows } = await this.pool.query<{ n: number }>(this.outboxStatement as string);
    return rows[0]?.n ?? 0;
  }

  async take(): Promise<TableChecksums> {
    if (this.statement === null) await this.refresh();
    const { rows } = await this.pool.query<{ t: string; n: number; h: string }>(this.statement as string);
    return new Map(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
  }

  /**
   * Checksums once what an accepted request set off has landed: its messages relayed (the relay marks
   * them published after the answer) and two checksums `gapMs` apart agreeing.
   */
  async settled(gapMs = 20, timeoutMs = 5_000): Promise<TableChecksums> {
    const deadline = Date.now() + timeoutMs;
    let previous = await this.take();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      const next = await this.take();
      const changing = changedTables(previous, next);
      const unpublished = await this.unpublishedMessages();
      if (changing.length === 0 && unpublished === 0) return next;
      if (Date.now() > deadline) throw new Error(`the database did not settle within ${timeoutMs} ms: ${unpublished} messages unpublished, tables changing: ${changing.join(", ") || "none"}`);
      previous = next;
    }
  }
}

/** The tables whose checksum differs (or that appeared or vanished), sorted. */
export const changedTables = (before: TableChecksums, after: TableChecksums): string[] =>
  [...new Set([...before.keys(), ...after.keys()])].filter((t) => before.get(t) !== after.get(t)).sort();
