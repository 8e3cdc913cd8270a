// Path 4: AI Quant backtest replay, trade events per second on one core, in a fresh process pinned to
// core 0 so nothing else of the bench shares its time slice with it (the machine's other work still may).
import type { ReplayChildResult } from "../children/replay.js";
import { runChild } from "../lib/child.js";
import { judge, TARGETS, type ResultRow } from "../lib/results.js";
import { formatRate } from "../lib/stats.js";

export const measureBacktestReplay = async (quick: boolean): Promise<ResultRow> => {
  try {
    const { result: r } = await runChild<ReplayChildResult>("replay.ts", quick ? ["--quick"] : [], { pinToOneCore: true, timeoutMs: 300_000 });
    const broken = !(r.events > 0 && r.eventsPerSecond > 0);
    return {
      id: "replay",
      path: "replay",
      title: "AI Quant backtest replay (one core)",
      status: broken ? "failed" : "measured",
      unit: "events/s",
      value: r.eventsPerSecond,
      targets: quick ? [] : judge({ value: r.eventsPerSecond }, TARGETS.replay),
      notes: [
        `${r.events.toLocaleString("en-US")} trade events, best repeat ${formatRate(r.eventsPerSecond)} (median ${formatRate(r.medianEventsPerSecond)})` +
          (r.bareEventsPerSecond ? `; the scavenger's replay loop alone ${formatRate(r.bareEventsPerSecond)}` : "") +
          (r.withMarketEventsEventsPerSecond && r.marketEvents
            ? `; with ${r.marketEvents.toLocaleString("en-US")} market events (open interest, funding, spot) beside the trades ${formatRate(r.withMarketEventsEventsPerSecond)}`
            : "") +
          (r.signals !== undefined ? `; ${r.signals} signals, ${r.trades} simulated trades` : ""),
        `source: ${r.source}`,
      ],
      details: { ...r },
    };
  } catch (err) {
    return { id: "replay", path: "replay", title: "AI Quant backtest replay (one core)", status: "failed", unit: "events/s", targets: [], notes: [(err as Error).message] };
  }
};
