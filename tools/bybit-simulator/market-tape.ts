// Bybit's kline interval names; the tape itself is shared with the MEXC simulator (tools/sim-common).

export { MarketTape, type Bar, type TapeTrade } from "../sim-common/market-tape.js";

/** Bybit kline intervals in minutes ("M" is taken as 30 days: the simulator has no calendar). */
export const KLINE_INTERVAL_MINUTES: Readonly<Record<string, number>> = {
  "1": 1,
  "3": 3,
  "5": 5,
  "15": 15,
  "30": 30,
  "60": 60,
  "120": 120,
  "240": 240,
  "360": 360,
  "720": 720,
  D: 1_440,
  W: 10_080,
  M: 43_200,
};
