// Every detector the live scavenger runs is part of the backtest: for each of them (oi-wipeout,
// funding-squeeze, basis), a tape planted with its pattern — trades plus the open interest, funding and
// spot prices the tape carries — yields its signal in the backtester and, replayed through the
// scavenger's live engine in paper mode on PostgreSQL, the very same signals (ids, triggers, exits,
// sizes). The same tape without its market events yields nothing in either: the detectors' inputs reach
// them only as market events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../../../services/ai-quant/domain/backtester.js";
import { DEFAULT_QUANT_SETTINGS } from "../../../services/ai-quant/domain/quant-settings.js";
import type { QuantTape } from "../../../services/ai-quant/domain/tape.js";
import { DETECTOR_TRAPS, detectorTape } from "../../../services/ai-quant/scenarios/detector-tapes.js";
import { DEFAULT_SCAVENGER_PARAMETERS, toSignalMessage } from "../../../services/scavenger/domain/index.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { migrateService, roleFor } from "../../../services/shared/db/provision.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase } from "../../support/test-database.js";
import { paperReplay, publishedSignals } from "./paper-replay.js";

const ALLOCATION_USD = 10_000;
const CONFIG_VERSION = 3;
const DAY_MS = 86_400_000;
const PARAMS = DEFAULT_SCAVENGER_PARAMETERS;

describe("detectors in the backtest and in paper mode", () => {
  let db: Database;

  beforeAll(async () => {
    const testDb = await withTestDatabase("aiquant_detectors");
    await provisionTestDatabase(testDb);
    const url = new URL(testDb.url);
    url.username = roleFor("scavenger");
    await migrateService("scavenger", url.toString());
    db = createDatabase({ url: url.toString(), applicationName: "ai-quant-detectors" });
  });

  afterAll(async () => {
    await db?.close();
  });

  /** Both sides over one tape: the backtest's signals as the brain would receive them, and the engine's. */
  const bothSides = async (tape: QuantTape, instanceId: string) => {
    const window = { fromMs: tape.tsMs[0] as number, toMs: (tape.tsMs.at(-1) as number) + 1 };
    const backtest = runBacktest(PARAMS, { tape, window }, DEFAULT_QUANT_SETTINGS.backtest, CONFIG_VERSION);
    await paperReplay(db, tape, { params: PARAMS, configVersion: CONFIG_VERSION, allocationUsd: ALLOCATION_USD, backtest, instanceId });
    const paper = await publishedSignals(db, window.fromMs, window.toMs + 60_000);
    return { backtest, expected: backtest.signals.map((s) => toSignalMessage(s, ALLOCATION_USD, s.tsMs)), paper };
  };

  it.each(DETECTOR_TRAPS.map((trap, day) => [trap, day] as const))("%s: the planted pattern gives the same signal on both sides", async (trap, day) => {
    // A day of its own per detector, so the signal table holds each one's signals apart.
    const tape = detectorTape(trap, { startMs: Date.UTC(2026, 1, 1) + day * DAY_MS });
    const { backtest, expected, paper } = await bothSides(tape, `detector-${trap}`);
    expect(backtest.signals.map((s) => s.trapType)).toEqual([trap]);
    expect(backtest.signals[0]!.triggerPriceUsd).toBeCloseTo(tape.planted.triggerPriceUsd, 9);
    expect(paper.map((p) => p.configVersion)).toEqual([CONFIG_VERSION]);
    expect(paper.map((p) => p.payload)).toEqual(expected);
    console.log(`${trap}: ${tape.tsMs.length} trades, ${tape.marketEvents!.tsMs.length} market events; signal ${expected[0]!.signalId} at ${expected[0]!.triggerPriceUsd} identical in backtest and paper mode`);
  });

  it("without its market events no detector fires, on either side", async () => {
    for (const [day, trap] of DETECTOR_TRAPS.entries()) {
      const { marketEvents: _, ...tradesOnly } = detectorTape(trap, { startMs: Date.UTC(2026, 2, 1) + day * DAY_MS });
      const { expected, paper } = await bothSides(tradesOnly, `detector-${trap}-no-events`);
      expect(expected).toEqual([]);
      expect(paper).toEqual([]);
    }
  });
});
