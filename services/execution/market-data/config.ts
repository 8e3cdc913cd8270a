// Market-data settings, declared with the shared config builders so they load, fail and document the
// same way as every other variable (the lead lists MARKET_DATA_CONFIG_SPEC in .env.example). Every
// problem is reported at once, one line each, as a ConfigError.

import { join } from "node:path";
import { ConfigError, boolVar, enumVar, intVar, loadConfig, pathVar, stringVar, type Env } from "../../shared/config/index.js";
import { MARKET_DATA_SOURCE_KINDS, type MarketDataSourceKind } from "./events.js";
import { RETENTION } from "../../../ops/index.js";
import { dayStartMs } from "./tape/paths.js";

const SYMBOL = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const MARKET_DATA_CONFIG_SPEC = [
  enumVar("TITAN_MARKET_DATA_SOURCE", MARKET_DATA_SOURCE_KINDS, {
    description: "Where execution's market data comes from: synthetic (seeded generator, offline), replay (the recorded tape) or live (Bybit's public WebSocket through ccxt).",
    default: "synthetic",
  }),
  stringVar("TITAN_MARKET_DATA_SYMBOLS", {
    description: "Perpetuals to follow, by the venue's id, comma-separated.",
    default: "BTCUSDT,ETHUSDT,SOLUSDT",
    pattern: new RegExp(`^${SYMBOL}(,${SYMBOL})*$`),
    patternHint: "comma-separated symbols such as BTCUSDT,ETHUSDT",
    maxLength: 4000,
  }),
  intVar("TITAN_MARKET_DATA_SEED", { description: "Seed of the synthetic market: the same seed gives the same market.", default: 1, min: 0, max: 2_147_483_647 }),
  pathVar("TITAN_TAPE_DIR", {
    description: "Folder of the trade tape (compressed chunks per symbol and UTC day); replay reads it.",
    default: { compute: (loaded) => join(String(loaded.TITAN_STATE_DIR ?? ".titan"), "tape"), describe: "<TITAN_STATE_DIR>/tape" },
  }),
  boolVar("TITAN_MARKET_DATA_RECORD", { description: "Record synthetic and live market data to the tape and klines to PostgreSQL (a replay is never re-recorded).", default: true }),
  intVar("TITAN_MARKET_DATA_REPLAY_SPEED", { description: "Replay speed as a multiple of real time; 0 = as fast as the bus takes it.", default: 1, min: 0, max: 100_000 }),
  stringVar("TITAN_MARKET_DATA_REPLAY_FROM", { description: "First UTC day to replay (YYYY-MM-DD); the first recorded day when unset.", pattern: DAY, patternHint: "a day as YYYY-MM-DD", maxLength: 10 }),
  stringVar("TITAN_MARKET_DATA_REPLAY_TO", { description: "Last UTC day to replay (YYYY-MM-DD, inclusive); the last recorded day when unset.", pattern: DAY, patternHint: "a day as YYYY-MM-DD", maxLength: 10 }),
  stringVar("TITAN_TAPE_ARCHIVE_URL", {
    description: "Where closed tape chunks are archived: s3://bucket/prefix in production (credentials from the pod's role), or a folder; unset keeps the tape only in TITAN_TAPE_DIR.",
    pattern: /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._/-]*)?|file:\/\/\/.+|\/.+)$/,
    patternHint: "s3://bucket/prefix, file:///path or an absolute path",
    maxLength: 1000,
  }),
  intVar("TITAN_TAPE_KEEP_LOCAL_DAYS", {
    description: "Days an archived chunk is kept in TITAN_TAPE_DIR after its day ends (the hot window for backtests); only with TITAN_TAPE_ARCHIVE_URL.",
    default: RETENTION.tradeTapeHotDays.value,
    min: 0,
    max: 3_650,
  }),
  intVar("TITAN_MARKET_DATA_BACKFILL_HOURS", {
    description: "Hours of closed klines filled in at start before the feed goes live (synthetic: generated; live: fetched from the venue); 0 = none. Strategies need days of bars.",
    default: 72,
    min: 0,
    max: 720,
  }),
  intVar("TITAN_MARKET_DATA_STREAM_MAXLEN", { description: "Approximate length each market-data stream is trimmed to (XADD MAXLEN ~).", default: 100_000, min: 1_000, max: 10_000_000 }),
] as const;

export interface MarketDataSettings {
  readonly source: MarketDataSourceKind;
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly tapeDir: string;
  readonly record: boolean;
  readonly replaySpeed: number;
  readonly replayFromDay?: string;
  readonly replayToDay?: string;
  readonly streamMaxLen: number;
  /** Hours of klines filled in before the feed goes live; 0 = none. */
  readonly backfillHours: number;
  /** Object store closed tape chunks are shipped to; null = none. */
  readonly tapeArchiveUrl: string | null;
  readonly tapeKeepLocalDays: number;
}

// Loaded after TITAN_STATE_DIR when standalone, as it is inside a service's spec.
const STATE_DIR_VAR = pathVar("TITAN_STATE_DIR", { description: "Folder for local state.", default: ".titan" });

/** Loads and checks the market-data settings; throws ConfigError naming every problem. */
export function loadMarketDataSettings(env: Env = process.env): MarketDataSettings {
  const config = loadConfig([STATE_DIR_VAR, ...MARKET_DATA_CONFIG_SPEC], env);
  const problems: string[] = [];
  const symbols = config.marketDataSymbols.split(",");
  if (new Set(symbols).size !== symbols.length) problems.push(`TITAN_MARKET_DATA_SYMBOLS: lists a symbol twice ('${config.marketDataSymbols}')`);
  for (const [name, day] of [
    ["TITAN_MARKET_DATA_REPLAY_FROM", config.marketDataReplayFrom],
    ["TITAN_MARKET_DATA_REPLAY_TO", config.marketDataReplayTo],
  ] as const) {
    if (day === undefined) continue;
    try {
      dayStartMs(day);
    } catch {
      problems.push(`${name}: '${day}' is not a calendar day`);
    }
  }
  const { marketDataReplayFrom: from, marketDataReplayTo: to } = config;
  if (from !== undefined && to !== undefined && from > to && problems.length === 0) problems.push(`TITAN_MARKET_DATA_REPLAY_FROM: ${from} is after TITAN_MARKET_DATA_REPLAY_TO ${to}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    source: config.marketDataSource,
    symbols,
    seed: config.marketDataSeed,
    tapeDir: config.tapeDir,
    record: config.marketDataRecord,
    replaySpeed: config.marketDataReplaySpeed,
    ...(from === undefined ? {} : { replayFromDay: from }),
    ...(to === undefined ? {} : { replayToDay: to }),
    streamMaxLen: config.marketDataStreamMaxlen,
    backfillHours: config.marketDataBackfillHours,
    tapeArchiveUrl: config.tapeArchiveUrl ?? null,
    tapeKeepLocalDays: config.tapeKeepLocalDays,
  };
}
