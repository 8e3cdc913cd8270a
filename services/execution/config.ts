// Execution's own settings beyond the variables every service shares (services/shared/config has no
// execution extras), declared with the same builders and loaded by the same loader: every problem is
// reported at once, one line each, as a ConfigError, and the service exits non-zero.

import { hostname } from "node:os";
import { boolVar, ConfigError, durationMsVar, enumVar, intVar, loadConfig, stringVar, urlVar, type Env } from "../shared/config/index.js";
import type { PacerLimits } from "./adapters/request-pacer.js";
import type { CredentialFiles } from "./venues/bybit/credentials.js";
import { DEFAULT_VELOCITY_THRESHOLDS } from "./domain/order-type.js";
import type { PreTradePolicy } from "./domain/pre-trade.js";

export const EXECUTION_VENUES = ["paper", "bybit"] as const;
export const ORDER_TYPE_POLICIES = ["auto", "market", "limit", "post-only"] as const;
/** Where spot data (and spot orders) come from: none (the main feed's spot series) or MEXC. */
export const SPOT_VENUES = ["none", "mexc"] as const;
const SPOT_SYMBOL = "[A-Z0-9]{2,20}";

export const EXECUTION_CONFIG_SPEC = [
  enumVar("TITAN_EXECUTION_VENUE", EXECUTION_VENUES, { description: "Where orders go: paper (in-process matching against market data) or bybit (USDT perpetuals through ccxt).", default: "paper" }),
  stringVar("TITAN_BYBIT_API_KEY", { description: "Bybit API key (required with TITAN_EXECUTION_VENUE=bybit).", secret: true, maxLength: 200 }),
  stringVar("TITAN_BYBIT_API_SECRET", { description: "Bybit API secret (required with TITAN_EXECUTION_VENUE=bybit).", secret: true, maxLength: 500 }),
  urlVar("TITAN_BYBIT_REST_URL", { description: "Bybit REST base URL; Bybit's own when unset. Point it at the Bybit simulator for staging and tests.", schemes: ["http", "https"] }),
  urlVar("TITAN_BYBIT_WS_URL", { description: "Bybit WebSocket base URL (the private stream is <url>/v5/private); Bybit's own when unset.", schemes: ["ws", "wss"] }),
  durationMsVar("TITAN_BYBIT_CREDENTIALS_CHECK_INTERVAL", {
    description: "How often the files behind TITAN_BYBIT_API_KEY_FILE and TITAN_BYBIT_API_SECRET_FILE are checked; a changed pair is tried against Bybit and then used without a restart (key rotation).",
    default: 5_000,
    min: 100,
    max: 600_000,
  }),
  durationMsVar("TITAN_BYBIT_TIMEOUT", { description: "Timeout of one Bybit REST request.", default: 5_000, min: 200, max: 60_000 }),
  intVar("TITAN_BYBIT_CREATE_ORDERS_PER_SECOND", { description: "Bybit's published order-creation limit per symbol family (linear) per second.", default: 10, min: 1, max: 1_000 }),
  intVar("TITAN_BYBIT_REQUESTS_PER_SECOND", { description: "Bybit's published request limit per second overall.", default: 120, min: 1, max: 10_000 }),
  intVar("TITAN_EXECUTION_RATE_HEADROOM_PERCENT", { description: "Share of each published limit kept unused.", default: 20, min: 0, max: 90 }),
  enumVar("TITAN_EXECUTION_ORDER_TYPE", ORDER_TYPE_POLICIES, { description: "Order type for entries: auto picks by price velocity (> 0.5 %/s market, > 0.1 %/s limit at the touch, else post-only).", default: "auto" }),
  durationMsVar("TITAN_EXECUTION_POST_ONLY_TIMEOUT", { description: "A post-only order not filled within this is cancelled (partial fills kept).", default: 5_000, min: 100, max: 600_000 }),
  intVar("TITAN_EXECUTION_PRICE_BAND_PERCENT", { description: "How far the market may be outside a command's entry zone, and a limit price from the market, in percent.", default: 2, min: 1, max: 50 }),
  durationMsVar("TITAN_EXECUTION_RECONCILE_INTERVAL", { description: "Time between reconciliations with the venue.", default: 10_000, min: 500, max: 600_000 }),
  intVar("TITAN_EXECUTION_MISMATCH_HALT_CYCLES", { description: "Consecutive mismatching reconciliations that halt trading.", default: 3, min: 1, max: 100 }),
  durationMsVar("TITAN_EXECUTION_DEADMAN_TIMEOUT", { description: "Without a brain heartbeat for this long, trading goes REDUCING (dead-man switch).", default: 60_000, min: 1_000, max: 86_400_000 }),
  boolVar("TITAN_EXECUTION_DEADMAN_FLATTEN", { description: "Also flatten all positions when the dead-man switch trips.", default: false }),
  durationMsVar("TITAN_EXECUTION_FLATTEN_TIMEOUT", { description: "How long one flatten-all waits for the venue to confirm flat before it reports failure.", default: 30_000, min: 1_000, max: 600_000 }),
  intVar("TITAN_EXECUTION_VENUE_FAILURES_BEFORE_REDUCING", { description: "Consecutive failed venue calls (or seconds of private stream outage) before trading goes REDUCING.", default: 3, min: 1, max: 1_000 }),
  enumVar("TITAN_SPOT_VENUE", SPOT_VENUES, {
    description: "Spot venue: none (spot prices come with the main market-data feed: synthetic spot series, or the perpetual's index price live) or mexc (MEXC spot through ccxt: its tickers and klines published as spot market data, and its spot order client started).",
    default: "none",
  }),
  stringVar("TITAN_MEXC_API_KEY", { description: "MEXC API key (required with TITAN_SPOT_VENUE=mexc).", secret: true, maxLength: 200 }),
  stringVar("TITAN_MEXC_API_SECRET", { description: "MEXC API secret (required with TITAN_SPOT_VENUE=mexc).", secret: true, maxLength: 500 }),
  urlVar("TITAN_MEXC_REST_URL", { description: "MEXC REST base URL; MEXC's own when unset. Point it at the MEXC simulator for staging and tests.", schemes: ["http", "https"] }),
  durationMsVar("TITAN_MEXC_TIMEOUT", { description: "Timeout of one MEXC REST request.", default: 5_000, min: 200, max: 60_000 }),
  stringVar("TITAN_SPOT_SYMBOLS", {
    description: "Spot markets followed on the spot venue, by its id, comma-separated (the scavenger pairs each with the perpetual of the same id).",
    default: "BTCUSDT,ETHUSDT,SOLUSDT",
    pattern: new RegExp(`^${SPOT_SYMBOL}(,${SPOT_SYMBOL})*$`),
    patternHint: "comma-separated symbols such as BTCUSDT,ETHUSDT",
    maxLength: 2000,
  }),
  durationMsVar("TITAN_SPOT_POLL_INTERVAL", { description: "How often spot tickers and klines are polled from the spot venue.", default: 2_000, min: 200, max: 600_000 }),
  intVar("TITAN_EXECUTION_PAPER_BALANCE_USD", { description: "Starting wallet of the paper venue (its books persist afterwards).", default: 10_000, min: 1, max: 1_000_000_000 }),
] as const;

export interface ExecutionSettings {
  readonly venue: (typeof EXECUTION_VENUES)[number];
  readonly bybit: {
    readonly apiKey: string;
    readonly secret: string;
    readonly restUrl?: string;
    readonly wsUrl?: string;
    readonly timeoutMs: number;
    /** Both halves of the pair came from files: they are watched and a new pair is used without a restart. */
    readonly credentialFiles: CredentialFiles | null;
    readonly credentialsCheckIntervalMs: number;
  } | null;
  readonly pacer: PacerLimits;
  readonly preTrade: PreTradePolicy;
  readonly reconcileIntervalMs: number;
  readonly mismatchHaltCycles: number;
  readonly deadmanTimeoutMs: number;
  readonly deadmanFlatten: boolean;
  readonly flattenTimeoutMs: number;
  readonly venueFailuresBeforeReducing: number;
  readonly paperBalanceUsd: number;
  /** The spot venue (MEXC), or null with TITAN_SPOT_VENUE=none. */
  readonly spot: {
    readonly venue: "mexc";
    readonly apiKey: string;
    readonly secret: string;
    readonly restUrl?: string;
    readonly timeoutMs: number;
    readonly symbols: readonly string[];
    readonly pollIntervalMs: number;
  } | null;
  /**
   * Execution's name in its consumer groups. A single writer, so it stays the same across restarts on
   * one host: a restarted execution then takes back the commands its predecessor held at once, instead
   * of after the group's idle-claim time. TITAN_INSTANCE_ID overrides it.
   */
  readonly consumerName: string;
}

export function loadExecutionSettings(env: Env): ExecutionSettings {
  const c = loadConfig(EXECUTION_CONFIG_SPEC, env);
  const problems: string[] = [];
  if (c.executionVenue === "bybit") {
    if (!c.bybitApiKey) problems.push("TITAN_BYBIT_API_KEY: is required with TITAN_EXECUTION_VENUE=bybit (or TITAN_BYBIT_API_KEY_FILE naming a file that holds it)");
    if (!c.bybitApiSecret) problems.push("TITAN_BYBIT_API_SECRET: is required with TITAN_EXECUTION_VENUE=bybit (or TITAN_BYBIT_API_SECRET_FILE naming a file that holds it)");
  }
  if (c.spotVenue === "mexc") {
    if (!c.mexcApiKey) problems.push("TITAN_MEXC_API_KEY: is required with TITAN_SPOT_VENUE=mexc (or TITAN_MEXC_API_KEY_FILE naming a file that holds it)");
    if (!c.mexcApiSecret) problems.push("TITAN_MEXC_API_SECRET: is required with TITAN_SPOT_VENUE=mexc (or TITAN_MEXC_API_SECRET_FILE naming a file that holds it)");
  }
  const spotSymbols = c.spotSymbols.split(",");
  if (new Set(spotSymbols).size !== spotSymbols.length) problems.push(`TITAN_SPOT_SYMBOLS: lists a symbol twice ('${c.spotSymbols}')`);
  if (problems.length > 0) throw new ConfigError(problems);
  const headroom = c.executionRateHeadroomPercent / 100;
  return {
    venue: c.executionVenue,
    bybit:
      c.executionVenue === "bybit"
        ? {
            apiKey: c.bybitApiKey!,
            secret: c.bybitApiSecret!,
            ...(c.bybitRestUrl ? { restUrl: c.bybitRestUrl } : {}),
            ...(c.bybitWsUrl ? { wsUrl: c.bybitWsUrl } : {}),
            timeoutMs: c.bybitTimeout,
            credentialFiles:
              env.TITAN_BYBIT_API_KEY_FILE && env.TITAN_BYBIT_API_SECRET_FILE ? { apiKeyFile: env.TITAN_BYBIT_API_KEY_FILE, secretFile: env.TITAN_BYBIT_API_SECRET_FILE } : null,
            credentialsCheckIntervalMs: c.bybitCredentialsCheckInterval,
          }
        : null,
    pacer: {
      overall: { limit: c.bybitRequestsPerSecond, windowMs: 1_000, headroom },
      createPerFamily: { limit: c.bybitCreateOrdersPerSecond, windowMs: 1_000, headroom },
    },
    preTrade: {
      priceBandFraction: c.executionPriceBandPercent / 100,
      orderType: c.executionOrderType,
      thresholds: DEFAULT_VELOCITY_THRESHOLDS,
      postOnlyTimeoutMs: c.executionPostOnlyTimeout,
    },
    reconcileIntervalMs: c.executionReconcileInterval,
    mismatchHaltCycles: c.executionMismatchHaltCycles,
    deadmanTimeoutMs: c.executionDeadmanTimeout,
    deadmanFlatten: c.executionDeadmanFlatten,
    flattenTimeoutMs: c.executionFlattenTimeout,
    venueFailuresBeforeReducing: c.executionVenueFailuresBeforeReducing,
    paperBalanceUsd: c.executionPaperBalanceUsd,
    spot:
      c.spotVenue === "mexc"
        ? { venue: "mexc", apiKey: c.mexcApiKey!, secret: c.mexcApiSecret!, ...(c.mexcRestUrl ? { restUrl: c.mexcRestUrl } : {}), timeoutMs: c.mexcTimeout, symbols: spotSymbols, pollIntervalMs: c.spotPollInterval }
        : null,
    consumerName: env.TITAN_INSTANCE_ID || `${hostname()}-execution`,
  };
}
