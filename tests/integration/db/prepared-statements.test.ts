// The database helper prepares each named statement once per connection: the second run of a name is
// bound and executed without a parse (seen in pg_prepared_statements), a name sent with another text
// runs unnamed instead of failing, and a table changed under a prepared plan (a migration while a
// service runs) costs one retried statement, after which the name runs unnamed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, isStalePlanError, type Database } from "../../../services/shared/db/database.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

describe("prepared statements", () => {
  let db: TestDatabase;
  let service: Database;

  beforeAll(async () => {
    db = await withTestDatabase("db_prepared");
    await db.pool.query("CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)");
    await db.pool.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    service = createDatabase({ url: db.url, applicationName: "prepared-test", maxConnections: 1 });
  });

  afterAll(async () => {
    await service?.close();
  });

  const preparedNames = async (): Promise<string[]> =>
    (await service.query<{ name: string }>("list_prepared", "SELECT name FROM pg_prepared_statements ORDER BY name")).rows.map((r) => r.name);

  it("prepares a named statement once and reuses it", async () => {
    for (const id of [1, 2, 1]) {
      const { rows } = await service.query<{ label: string }>("item_label", "SELECT label FROM items WHERE id = $1", [id]);
      expect(rows[0]?.label).toBe(id === 1 ? "one" : "two");
    }
    expect(await preparedNames()).toContain("item_label");
    const count = await service.transaction(async (tx) => (await tx.query<{ n: number }>("item_count", "SELECT count(*)::int AS n FROM items WHERE id >= $1", [0])).rows[0]?.n);
    expect(count).toBe(2);
    expect(await preparedNames()).toContain("item_count");
  });

  it("runs a name sent with another text unnamed instead of failing", async () => {
    const { rows } = await service.query<{ label: string }>("item_label", "SELECT upper(label) AS label FROM items WHERE id = $1", [2]);
    expect(rows[0]?.label).toBe("TWO");
    const again = await service.query<{ label: string }>("item_label", "SELECT label FROM items WHERE id = $1", [2]);
    expect(again.rows[0]?.label).toBe("two");
  });

  it("survives a table changed under a prepared plan", async () => {
    const star = "SELECT * FROM items WHERE id = $1";
    expect((await service.query("item_star", star, [1])).rows[0]).toEqual({ id: 1, label: "one" });
    await db.pool.query("ALTER TABLE items ADD COLUMN note text NOT NULL DEFAULT 'n'");
    // Outside a transaction: sent again unnamed, the caller sees only the answer.
    expect((await service.query("item_star", star, [1])).rows[0]).toEqual({ id: 1, label: "one", note: "n" });
    // Inside one the first try is lost (the transaction is aborted), and a retry runs unnamed.
    await db.pool.query("ALTER TABLE items ADD COLUMN extra int NOT NULL DEFAULT 7");
    const other = "SELECT * FROM items WHERE id >= $1 ORDER BY id";
    expect((await service.query("items_from", other, [2])).rows).toHaveLength(1);
    await db.pool.query("ALTER TABLE items ADD COLUMN more int NOT NULL DEFAULT 8");
    const inTransaction = () => service.transaction(async (tx) => (await tx.query("items_from", other, [2])).rows);
    const failed = await inTransaction().catch((err: unknown) => err);
    expect(isStalePlanError(failed)).toBe(true);
    expect(await inTransaction()).toEqual([{ id: 2, label: "two", note: "n", extra: 7, more: 8 }]);
  });
});
