import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/config/index.js";
import { loadMarketDataSettings } from "./config.js";

describe("market-data settings", () => {
  it("default to the seeded synthetic market on three perpetuals, recorded under the state folder", () => {
    expect(loadMarketDataSettings({ TITAN_STATE_DIR: "/var/lib/titan" })).toEqual({
      source: "synthetic",
      symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT"],
      seed: 1,
      tapeDir: "/var/lib/titan/tape",
      record: true,
      replaySpeed: 1,
      streamMaxLen: 100_000,
      backfillHours: 72,
      tapeArchiveUrl: null,
      tapeKeepLocalDays: 30,
    });
  });

  it("read every variable", () => {
    const settings = loadMarketDataSettings({
      TITAN_MARKET_DATA_SOURCE: "replay",
      TITAN_MARKET_DATA_SYMBOLS: "SOLUSDT,XRPUSDT",
      TITAN_MARKET_DATA_SEED: "42",
      TITAN_TAPE_DIR: "/data/tape",
      TITAN_MARKET_DATA_RECORD: "off",
      TITAN_MARKET_DATA_REPLAY_SPEED: "0",
      TITAN_MARKET_DATA_REPLAY_FROM: "2026-01-01",
      TITAN_MARKET_DATA_REPLAY_TO: "2026-01-31",
      TITAN_MARKET_DATA_STREAM_MAXLEN: "5000",
      TITAN_MARKET_DATA_BACKFILL_HOURS: "0",
      TITAN_TAPE_ARCHIVE_URL: "s3://titan-tape-prod/tape",
      TITAN_TAPE_KEEP_LOCAL_DAYS: "7",
    });
    expect(settings).toEqual({
      source: "replay",
      symbols: ["SOLUSDT", "XRPUSDT"],
      seed: 42,
      tapeDir: "/data/tape",
      record: false,
      replaySpeed: 0,
      replayFromDay: "2026-01-01",
      replayToDay: "2026-01-31",
      streamMaxLen: 5_000,
      backfillHours: 0,
      tapeArchiveUrl: "s3://titan-tape-prod/tape",
      tapeKeepLocalDays: 7,
    });
  });

  it("name every problem at once, one line each", () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadMarketDataSettings(env);
      } catch (err) {
        if (err instanceof ConfigError) return [...err.problems];
        throw err;
      }
      return [];
    };
    expect(problems({ TITAN_MARKET_DATA_SOURCE: "paper", TITAN_MARKET_DATA_SEED: "-3", TITAN_MARKET_DATA_SYMBOLS: "BTC USDT" })).toEqual([
      "TITAN_MARKET_DATA_SOURCE: must be one of synthetic, replay, live, got 'paper'",
      "TITAN_MARKET_DATA_SYMBOLS: must be comma-separated symbols such as BTCUSDT,ETHUSDT (1-4000 characters), got 'BTC USDT'",
      "TITAN_MARKET_DATA_SEED: must be an integer 0-2147483647, got '-3'",
    ]);
    expect(problems({ TITAN_MARKET_DATA_SYMBOLS: "BTCUSDT,BTCUSDT", TITAN_MARKET_DATA_REPLAY_FROM: "2026-02-30" })).toEqual([
      "TITAN_MARKET_DATA_SYMBOLS: lists a symbol twice ('BTCUSDT,BTCUSDT')",
      "TITAN_MARKET_DATA_REPLAY_FROM: '2026-02-30' is not a calendar day",
    ]);
    expect(problems({ TITAN_MARKET_DATA_REPLAY_FROM: "2026-03-01", TITAN_MARKET_DATA_REPLAY_TO: "2026-02-01" })).toEqual([
      "TITAN_MARKET_DATA_REPLAY_FROM: 2026-03-01 is after TITAN_MARKET_DATA_REPLAY_TO 2026-02-01",
    ]);
  });
});
