// The brain's own settings beyond the variables every service shares (services/shared/config/specs.ts
// has no brain extras yet, so they are declared here with the same builders and loaded with the same
// loader): the symbols it knows, the phases registered at start, the trading-rule parameters file, and
// its timers. Every problem is reported at once, one line each, as a ConfigError.
import { readFileSync } from "node:fs";
import { ConfigError, durationMsVar, intVar, loadConfig, pathVar, stringVar, type Env } from "../shared/config/index.js";
import { parseBrainParameters, type BrainParameters, type Phase } from "./domain/index.js";

const SYMBOL = "[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}";

export const BRAIN_CONFIG_SPEC = [
  stringVar("TITAN_BRAIN_SYMBOLS", {
    description: "Symbols the brain accepts signals for, comma-separated; the first is the beta benchmark unless the parameters file names one.",
    default: "BTCUSDT,ETHUSDT,SOLUSDT",
    pattern: new RegExp(`^${SYMBOL}(,${SYMBOL})*$`),
    patternHint: "comma-separated symbols such as BTCUSDT,ETHUSDT",
    maxLength: 4000,
  }),
  stringVar("TITAN_BRAIN_PHASES", {
    description: "Phases registered when the brain starts (1 = scavenger); others are registered through the API.",
    default: "1",
    pattern: /^[1-3](,[1-3])*$/,
    patternHint: "comma-separated phase numbers 1-3",
    maxLength: 5,
  }),
  pathVar("TITAN_BRAIN_PARAMETERS_FILE", {
    description: "JSON file overriding any of the trading rules' numbers (reference/domain.md); unset = the documented defaults.",
  }),
  durationMsVar("TITAN_BRAIN_HEARTBEAT_INTERVAL", { description: "How often the brain's heartbeat is published (execution's dead-man switch watches it).", default: 1_000, min: 100, max: 30_000 }),
  durationMsVar("TITAN_BRAIN_RISK_SNAPSHOT_INTERVAL", { description: "How often a portfolio risk snapshot is recorded.", default: 60_000, min: 1_000, max: 3_600_000 }),
  intVar("TITAN_BRAIN_PRICE_HISTORY_POINTS", { description: "One-minute prices kept per symbol for correlation, beta and VaR.", default: 720, min: 30, max: 20_000 }),
  durationMsVar("TITAN_BRAIN_MESSAGING_RETENTION", {
    description: "Published outbox rows and inbox rows older than this are deleted (the inbox must outlive any redelivery).",
    default: 7 * 24 * 3_600_000,
    min: 60_000,
  }),
] as const;

export interface BrainSettings {
  readonly symbols: ReadonlySet<string>;
  readonly startupPhases: readonly Phase[];
  readonly params: BrainParameters;
  readonly heartbeatIntervalMs: number;
  readonly riskSnapshotIntervalMs: number;
  readonly priceHistoryPoints: number;
  readonly messagingRetentionMs: number;
}

const readParametersFile = (path: string, problems: string[]): Record<string, unknown> => {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    problems.push(`TITAN_BRAIN_PARAMETERS_FILE: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    problems.push(`TITAN_BRAIN_PARAMETERS_FILE: '${path}' must hold a JSON object`);
  } catch (error) {
    problems.push(`TITAN_BRAIN_PARAMETERS_FILE: '${path}' is not valid JSON (${(error as Error).message})`);
  }
  return {};
};

/** Loads and validates the brain's settings; throws ConfigError naming every problem. */
export function loadBrainSettings(env: Env = process.env): BrainSettings {
  const config = loadConfig(BRAIN_CONFIG_SPEC, env);
  const problems: string[] = [];
  const symbolList = config.brainSymbols.split(",");
  const symbols = new Set(symbolList);
  if (symbols.size !== symbolList.length) problems.push(`TITAN_BRAIN_SYMBOLS: lists a symbol twice ('${config.brainSymbols}')`);
  const startupPhases = [...new Set(config.brainPhases.split(",").map(Number))] as Phase[];

  const raw = config.brainParametersFile === undefined ? {} : readParametersFile(config.brainParametersFile, problems);
  const risk = (raw.risk ?? {}) as Record<string, unknown>;
  // BTCUSDT-style symbols are what the scavenger emits; the benchmark must be one of the known symbols.
  const withBenchmark = typeof risk === "object" && risk !== null && risk.benchmarkSymbol === undefined ? { ...raw, risk: { ...risk, benchmarkSymbol: symbolList[0] } } : raw;
  const parsed = parseBrainParameters(withBenchmark);
  if (!parsed.ok) for (const problem of parsed.problems) problems.push(`TITAN_BRAIN_PARAMETERS_FILE: ${problem}`);
  else if (!symbols.has(parsed.params.risk.benchmarkSymbol))
    problems.push(`TITAN_BRAIN_PARAMETERS_FILE: risk.benchmarkSymbol '${parsed.params.risk.benchmarkSymbol}' is not one of TITAN_BRAIN_SYMBOLS`);

  if (problems.length > 0 || !parsed.ok) throw new ConfigError(problems);
  return {
    symbols,
    startupPhases,
    params: parsed.params,
    heartbeatIntervalMs: config.brainHeartbeatInterval,
    riskSnapshotIntervalMs: config.brainRiskSnapshotInterval,
    priceHistoryPoints: config.brainPriceHistoryPoints,
    messagingRetentionMs: config.brainMessagingRetention,
  };
}
