// The data sets the AI Quant acceptance tests share: a seeded tape whose daily-level breakouts carry a
// planted edge (a dip of 0.5372 %, then a rise to 2.6131 % above the trigger, or a fall in one case of
// five), and its twin without an edge. The current version runs the daily-level trap at 5x, so a losing
// streak cannot end a day early under the daily-loss limit and hide the rest of the data.
import { loadScavengerParameters } from "../../../services/scavenger/domain/index.js";
import { windowInputs } from "../../../services/ai-quant/domain/dataset.js";
import { loadQuantSettings, type QuantSettings } from "../../../services/ai-quant/domain/quant-settings.js";
import { plantedTape, type PlantedEdge } from "../../../services/ai-quant/scenarios/planted-tape.js";

export const DAY_MS = 86_400_000;
export const T0 = Date.UTC(2026, 0, 5);
export const EDGE: PlantedEdge = { adversePercent: 0.5372, peakPercent: 2.6131, crashPercent: 5.5, failureFraction: 0.2 };
/** The trades' price noise around their path (percent): a stop must clear the dip by about three of it. */
export const NOISE_PERCENT = 0.03;
/** The exits the data was built for: just beyond the dip, at the peak. */
export const PLANTED = { stopLossPercent: EDGE.adversePercent + 3 * NOISE_PERCENT, takeProfitPercent: EDGE.peakPercent } as const;

export const CURRENT = loadScavengerParameters({ dailyLevel: { leverage: 5 } });

export function scenarioTape(seed: number, edge: PlantedEdge | null, days: number) {
  return plantedTape({ seed, symbols: [{ symbol: "TRAPUSDT", startPriceUsd: 100 }], startMs: T0, days, eventsPerDay: 48, edge, noisePercent: NOISE_PERCENT });
}

export function scenario(seed: number, edge: PlantedEdge | null, folds: number) {
  const settings: QuantSettings = loadQuantSettings({ search: { seed }, walkForward: { folds } });
  const tape = scenarioTape(seed, edge, folds + 2);
  return {
    settings,
    tape,
    inputs: windowInputs({ tape, klines: [] }, CURRENT, settings.walkForward.warmupMs),
    // The first day is history only: the daily-level trap needs a previous day.
    period: { fromMs: T0 + DAY_MS, toMs: T0 + (folds + 2) * DAY_MS },
  };
}
