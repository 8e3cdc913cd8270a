// The paper venue's books in PostgreSQL. Each save is one statement: the engine's changing state (one
// small row), the orders that changed and the new fills (rows), and the engine's configuration and
// instruments only when they differ from what this process last wrote (they are set when the venue
// starts), in a row of their own. Rows stay under paper_books' toast_tuple_target (0103), so a save
// stores the bytes as they are instead of compressing the document every time.

import type { Clock } from "../../shared/clock.js";
import type { Queryable } from "../../shared/db/database.js";
import type { EngineState, Fill, Order } from "../domain/matching/index.js";
import type { PaperBooks, PaperBooksChange, PaperBooksStore } from "../venues/paper/paper-venue.js";

type EngineStatic = Pick<EngineState, "config" | "instruments">;
type EngineDynamic = Omit<EngineState, "config" | "instruments">;

export class PaperBooksTable implements PaperBooksStore {
  /** The configuration and instruments this process last wrote, by reference and as JSON. */
  private saved: { readonly config: EngineState["config"]; readonly instruments: EngineState["instruments"]; readonly json: string } | null = null;

  constructor(
    private readonly q: Queryable,
    private readonly clock: Clock,
  ) {}

  /** The engine and order sequence, with the newest `keepRecords` orders and fills; null on a first start. */
  async load(keepRecords: number): Promise<PaperBooks | null> {
    const { rows } = await this.q.query<{ books: { engine: EngineDynamic; orderSeq: number }; static: EngineStatic | null }>(
      "execution_load_paper_books",
      "SELECT b.books, s.body AS static FROM paper_books b LEFT JOIN paper_engine_static s ON s.id = 1 WHERE b.id = 1",
    );
    const row = rows[0];
    if (row === undefined) return null;
    if (row.static === null) throw new Error("paper books: the engine's configuration and instruments (paper_engine_static) are missing");
    const engine: EngineState = { ...row.books.engine, config: row.static.config, instruments: row.static.instruments };
    const orders = await this.q.query<{ body: Order }>("execution_load_paper_orders", "SELECT body FROM paper_orders ORDER BY updated_ts_ms DESC LIMIT $1", [keepRecords]);
    const fills = await this.q.query<{ body: Fill }>("execution_load_paper_fills", "SELECT body FROM (SELECT seq, body FROM paper_fills ORDER BY seq DESC LIMIT $1) newest ORDER BY seq", [keepRecords]);
    // Open orders are the engine's; the ones past the newest `keepRecords` are still needed for lookups.
    const byId: Record<string, Order> = { ...engine.openOrders };
    for (const { body } of orders.rows) byId[body.orderId] = body;
    return { engine, orderSeq: row.books.orderSeq, orders: byId, fills: fills.rows.map((r) => r.body) };
  }

  /** One statement: the engine state, the orders that changed, the new fills; now and then a prune of old history. */
  async save(change: PaperBooksChange): Promise<void> {
    const { config, instruments, ...dynamic } = change.engine;
    const staticJson = this.staticJsonToWrite(config, instruments);
    await this.q.query(
      "execution_save_paper_books",
      `WITH books AS (
         INSERT INTO paper_books (id, books, updated_at_ms) VALUES (1, $1::jsonb, $2)
         ON CONFLICT (id) DO UPDATE SET books = EXCLUDED.books, updated_at_ms = EXCLUDED.updated_at_ms
       ), static AS (
         INSERT INTO paper_engine_static (id, body, updated_at_ms) SELECT 1, $5::jsonb, $2 WHERE $5::jsonb IS NOT NULL
         ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, updated_at_ms = EXCLUDED.updated_at_ms
       ), orders AS (
         INSERT INTO paper_orders (order_id, client_order_id, symbol, updated_ts_ms, body)
         SELECT o->>'orderId', o->>'clientOrderId', o->>'symbol', (o->>'updatedTsMs')::bigint, o FROM jsonb_array_elements($3::jsonb) AS o
         ON CONFLICT (order_id) DO UPDATE SET client_order_id = EXCLUDED.client_order_id, updated_ts_ms = EXCLUDED.updated_ts_ms, body = EXCLUDED.body
       ), fills AS (
         INSERT INTO paper_fills (fill_id, ts_ms, body)
         SELECT f->>'fillId', (f->>'tsMs')::bigint, f FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS a(f, n) ORDER BY n
         ON CONFLICT (fill_id) DO NOTHING
       )
       SELECT 1`,
      [JSON.stringify({ engine: dynamic, orderSeq: change.orderSeq }), this.clock.nowMs(), JSON.stringify(change.orders), JSON.stringify(change.fills), staticJson],
    );
    if (staticJson !== null) this.saved = { config, instruments, json: staticJson };
    if (change.pruneBeyond === undefined) return;
    await this.q.query(
      "execution_prune_paper_history",
      `WITH old_orders AS (
         DELETE FROM paper_orders
          WHERE updated_ts_ms < (SELECT updated_ts_ms FROM paper_orders ORDER BY updated_ts_ms DESC OFFSET $1 LIMIT 1)
            AND NOT (order_id = ANY($2::text[]))
       )
       DELETE FROM paper_fills WHERE seq < (SELECT seq FROM paper_fills ORDER BY seq DESC OFFSET $1 LIMIT 1)`,
      [change.pruneBeyond, Object.keys(change.engine.openOrders)],
    );
  }

  /** The configuration and instruments as JSON when they differ from the last written; null when unchanged. */
  private staticJsonToWrite(config: EngineState["config"], instruments: EngineState["instruments"]): string | null {
    // The engine's state is immutable: the same objects hold the same values.
    if (this.saved !== null && this.saved.config === config && this.saved.instruments === instruments) return null;
    const json = JSON.stringify({ config, instruments });
    if (this.saved !== null && this.saved.json === json) {
      this.saved = { config, instruments, json };
      return null;
    }
    return json;
  }
}
