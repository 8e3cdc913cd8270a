// What the shadow book costs PostgreSQL per order, on a real database: a new order's reports and its
// fill need no lookups, pushed events of one moment share one transaction, a symbol's open round trip
// is read once, and a rebuilt report whose id is already in the outbox is skipped (never a second row).
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../services/shared/clock.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { runService } from "../../../services/shared/runtime.js";
import { executionMetrics } from "../../../services/execution/adapters/execution-metrics.js";
import { InstrumentBook } from "../../../services/execution/adapters/instrument-book.js";
import { ShadowBook } from "../../../services/execution/adapters/shadow-book.js";
import { reportFromVenueOrder } from "../../../services/execution/domain/reports.js";
import type { VenueFill, VenueOrder } from "../../../services/execution/domain/venue-types.js";
import { createExecutionService } from "../../../services/execution/service.js";
import { PAPER_INSTRUMENTS } from "../../../services/execution/venues/paper/paper-venue.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

let tdb: TestDatabase;
let metrics: ServiceMetrics;
let database: Database;
let book: ShadowBook;

beforeAll(async () => {
  tdb = await withTestDatabase("exec_shadow_statements");
  await provisionTestDatabase(tdb);
  const env: NodeJS.ProcessEnv = { ...serviceEnv("execution", tdb, { redisUrl: tdb.redisUrl }), TITAN_INSTANCE_ID: "execution-1", TITAN_EXECUTION_DEADMAN_TIMEOUT: "1h" };
  // The service migrates its schema; the book under test then runs alone on it, on a pool of its own.
  const service = await runService(createExecutionService({ env, marketData: null }), { env });
  await service.stop();
  metrics = new ServiceMetrics("execution", { defaultMetrics: false });
  database = createDatabase({ url: env.TITAN_DATABASE_URL ?? "", applicationName: "shadow-book-statements" }, metrics);
  book = new ShadowBook({ db: database, clock: systemClock, logger: pino({ level: "silent" }), metrics: executionMetrics(metrics), venue: "paper", instruments: new InstrumentBook(PAPER_INSTRUMENTS) });
  await book.load();
}, 60_000);

afterAll(async () => {
  await database?.close();
});

/** Statements run so far, by name. */
async function statementCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === "titan_execution_db_statement_duration_seconds");
  for (const v of (metric?.values ?? []) as { metricName?: string; labels: Record<string, string | number>; value: number }[]) {
    if (v.metricName !== "titan_execution_db_statement_duration_seconds_count") continue;
    const name = String(v.labels.statement);
    counts.set(name, (counts.get(name) ?? 0) + v.value);
  }
  return counts;
}

/** The statements `run` caused, by name (zero counts left out). */
async function statementsOf(run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await statementCounts();
  await run();
  const after = await statementCounts();
  const delta: Record<string, number> = {};
  for (const [name, n] of after) if (n - (before.get(name) ?? 0) > 0) delta[name] = n - (before.get(name) ?? 0);
  return delta;
}

let seq = 0;
function venueOrder(clientOrderId: string, venueOrderId: string, o: Partial<VenueOrder> = {}): VenueOrder {
  const tsMs = Date.now() + ++seq;
  return {
    venueOrderId,
    clientOrderId,
    symbol: "ETHUSDT",
    side: "buy",
    orderType: "market",
    reduceOnly: false,
    status: "new",
    qty: 1,
    filledQty: 0,
    avgFillPriceUsd: null,
    limitPriceUsd: null,
    stopLossPriceUsd: null,
    takeProfitPriceUsd: null,
    origin: "client",
    rejectReason: null,
    createdTsMs: tsMs,
    updatedTsMs: tsMs,
    ...o,
  };
}

function venueFill(order: VenueOrder, priceUsd: number): VenueFill {
  return {
    fillId: `paper-fill-${randomUUID()}`,
    venueOrderId: order.venueOrderId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    qty: order.qty,
    priceUsd,
    feeUsd: 0.5,
    liquidity: "taker",
    orderType: order.orderType,
    orderQty: order.qty,
    leavesQty: 0,
    orderPriceUsd: null,
    origin: "client",
    tsMs: Date.now() + ++seq,
  };
}

const outboxRows = async (clientOrderId: string): Promise<{ type: string; n: number }[]> =>
  (
    await tdb.pool.query<{ type: string; n: number }>(
      "SELECT type, count(*)::int AS n FROM execution.outbox WHERE envelope->>'correlationId' = $1 OR (type = 'position-snapshot' AND envelope->'payload'->>'symbol' = 'ETHUSDT') GROUP BY type ORDER BY type",
      [clientOrderId],
    )
  ).rows;

describe("the shadow book's statements per order", () => {
  it("records a new order and its fill without lookups, the pushed report and fill of one match in one transaction, the open trip read once", async () => {
    const entryId = `tt-${randomUUID().slice(0, 20)}`;
    const entry = venueOrder(entryId, "paper-1");
    book.expectNewOrder(entryId);
    const placed = await statementsOf(() => book.ingestPushed({ orders: [entry] }));
    expect(placed).toEqual({ begin: 1, execution_write_shadow: 1, messaging_outbox_enqueue: 1, commit: 1 });

    const filled = { ...entry, status: "filled" as const, filledQty: 1, avgFillPriceUsd: 2_000, updatedTsMs: entry.updatedTsMs + 5 };
    const fill = venueFill(entry, 2_000);
    let turns: number[] = [];
    const matched = await statementsOf(async () => {
      // As the paper venue reports a match: the order, then its fill, in one tick.
      turns = await Promise.all([book.ingestPushed({ orders: [filled] }), book.ingestPushed({ fills: [fill] })]);
    });
    expect(turns).toEqual([1, 1]); // one turn recorded both: one new fill
    expect(matched.begin).toBe(1);
    expect(matched.execution_write_shadow).toBe(1);
    expect(matched.execution_trip_open).toBe(1);
    for (const lookup of ["execution_load_order", "execution_outbox_has", "execution_outbox_has_any"]) expect(matched[lookup]).toBeUndefined();
    expect(book.order(entryId)).toMatchObject({ status: "filled", filledQty: 1 });
    expect(book.position("ETHUSDT")).toMatchObject({ side: "long", qty: 1 });

    const exitId = `tt-${randomUUID().slice(0, 20)}`;
    const exit = venueOrder(exitId, "paper-2", { side: "sell", reduceOnly: true, status: "filled", filledQty: 1, avgFillPriceUsd: 2_010 });
    book.expectNewOrder(exitId);
    const closed = await statementsOf(() => Promise.all([book.ingestPushed({ orders: [exit] }), book.ingestPushed({ fills: [venueFill(exit, 2_010)] })]));
    expect(closed.execution_trip_open).toBeUndefined(); // the trip opened above is remembered
    expect(closed.execution_load_order).toBeUndefined();
    const trips = (await tdb.pool.query<{ entry_qty: number; realised_pnl_usd: number | null }>("SELECT entry_qty, realised_pnl_usd FROM execution.round_trips WHERE symbol = 'ETHUSDT'")).rows;
    expect(trips).toEqual([{ entry_qty: 1, realised_pnl_usd: 10 - 0.5 - 0.5 }]);
    const rows = (await tdb.pool.query<{ status: string; filled_qty: number }>("SELECT status, filled_qty FROM execution.orders WHERE client_order_id = ANY($1) ORDER BY client_order_id = $2 DESC", [[entryId, exitId], entryId])).rows;
    expect(rows).toEqual([
      { status: "filled", filled_qty: 1 },
      { status: "filled", filled_qty: 1 },
    ]);
    // Each report and snapshot once: the entry's new and filled reports and its fill's; one snapshot per fill.
    expect(await outboxRows(entryId)).toEqual([
      { type: "execution-report", n: 3 },
      { type: "position-snapshot", n: 2 },
    ]);
  });

  it("forgets the older half of 5,000 finished orders, and reads one back when a late report names it", async () => {
    const baseTsMs = Date.now() - 60_000;
    const finished = Array.from({ length: 5_000 }, (_, i) =>
      venueOrder(`tt-many-${i}-${randomUUID().slice(0, 8)}`, `paper-many-${i}`, { status: "filled", filledQty: 1, avgFillPriceUsd: 2_000, createdTsMs: baseTsMs + i, updatedTsMs: baseTsMs + i }),
    );
    for (const o of finished) book.expectNewOrder(o.clientOrderId ?? "");
    await book.ingest({ orders: finished }, "stream");
    const oldest = finished[0]!;
    const newest = finished[finished.length - 1]!;
    expect(book.order(oldest.clientOrderId ?? "")).toBeUndefined();
    expect(book.order(newest.clientOrderId ?? "")).toMatchObject({ status: "filled" });
    // The same report again: read back from PostgreSQL, found unchanged, published once only.
    const late = await statementsOf(() => book.ingest({ orders: [oldest] }, "poll"));
    expect(late).toMatchObject({ execution_load_order: 1 });
    expect(late.messaging_outbox_enqueue).toBeUndefined();
    expect(book.order(oldest.clientOrderId ?? "")).toMatchObject({ status: "filled" });
  }, 60_000);

  it("skips a rebuilt report already in the outbox, looking it up once, and publishes the change it makes", async () => {
    const id = `tt-${randomUUID().slice(0, 20)}`;
    const first = venueOrder(id, "paper-3", { orderType: "limit", limitPriceUsd: 1_900 });
    const amended = { ...first, qty: 2, updatedTsMs: first.updatedTsMs + 1 };
    // Not announced as new: an order the book has not met is looked up.
    expect(await statementsOf(() => book.ingest({ orders: [first] }, "stream"))).toMatchObject({ execution_load_order: 1 });
    await book.ingest({ orders: [amended] }, "stream");
    // The first report again (a late poll): it moves the order's quantity back, but its id was published.
    const again = await statementsOf(() => book.ingest({ orders: [first] }, "poll"));
    expect(again).toMatchObject({ execution_outbox_has_any: 1, execution_write_shadow: 1, commit: 1 });
    expect(again.messaging_outbox_enqueue).toBeUndefined();
    const firstId = reportFromVenueOrder("paper", first, 0).reportId;
    expect((await tdb.pool.query("SELECT 1 FROM execution.outbox WHERE id = $1", [firstId])).rowCount).toBe(1);
    expect(await outboxRows(id)).toContainEqual({ type: "execution-report", n: 2 });
  });
});
