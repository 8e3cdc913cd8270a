// services/execution/market-data: market data into Titan. Sources (synthetic, replay, live) behind one
// interface, publication straight to Redis Streams, the trade tape on disk, klines in PostgreSQL.

export * from "./events.js";
export { startMarketData, type StartMarketDataOptions } from "./start.js";
export { MARKET_DATA_CONFIG_SPEC, loadMarketDataSettings, type MarketDataSettings } from "./config.js";
export { createMarketDataPublisher, type MarketDataPublisher, type MarketDataPublisherOptions } from "./publisher.js";
export { marketDataMetrics, type MarketDataMetrics } from "./metrics.js";
export { KlineBuilder, INTERVAL_MS, type KlineInterval } from "./kline-builder.js";
export { upsertKlines, readKlines, type StoredKline } from "./kline-store.js";
export { SyntheticMarket, DEFAULT_KLINE_INTERVALS, type SyntheticMarketOptions } from "./synthetic/market.js";
export { SyntheticSource, type SyntheticSourceOptions, type SyntheticPacing } from "./synthetic/source.js";
export { KNOWN_PROFILES, DEFAULT_SYNTHETIC_SYMBOLS, profileFor, type SymbolProfile } from "./synthetic/profiles.js";
export { REGIMES, type Regime } from "./synthetic/regimes.js";
export { ReplaySource, type ReplaySourceOptions } from "./replay/source.js";
export { LiveSource, type LiveSourceOptions } from "./live/source.js";
export { TapeWriter, type TapeWriterOptions } from "./tape/writer.js";
export { readTapeDay, readTradeDay, readTradeTable, type TapeDay, type TradeColumns, type TradeTable, type TradeTableOptions, type ChunkProblem } from "./tape/reader.js";
export { listChunks, listDays, utcDay } from "./tape/paths.js";
