// The fault suite's figures: one row per fault (times to halt and resume, what the brain reported, orders
// and signals while degraded) and one row per alert a fault raised (time to fire, time to resolve).

export interface AlertFigure {
  /** The alert as expected, e.g. `TitanServiceDown{service="brain"}`. */
  readonly alert: string;
  /** The fault's command issued → Prometheus reports it firing. */
  readonly fireMs: number;
  /** Dependency back → Prometheus no longer reports it pending or firing. */
  readonly resolveMs: number;
}

export interface FaultFigures {
  readonly fault: string;
  readonly degradedState: string;
  /** The fault's command issued → execution reports the fail-closed state (null: execution itself was killed). */
  readonly haltMs: number | null;
  /** Dependency back → execution reports ACTIVE again. */
  readonly resumeMs: number;
  /** Dependency back → a fresh signal's order reached the venue. */
  readonly firstOrderMs: number | null;
  readonly signalsWhileDegraded: number;
  /** What became of those signals, e.g. `approved→refused:trading-state×5`. */
  readonly signalOutcomes: string;
  readonly ordersWhileDegraded: number;
  /** The states the brain reported while degraded (`unreachable` while it did not answer). */
  readonly brainWhileDegraded: string;
  /** The fault's command issued → the brain reports its own cause (null: it has none for this fault). */
  readonly brainReportMs: number | null;
  /** Dependency back → the brain's cause cleared (null: it had none). */
  readonly brainClearMs: number | null;
  /** The alerts the fault raised, each fired while it lasted and resolved after. */
  readonly alerts: readonly AlertFigure[];
}

/** The alerts' figures from AlertWatch's times to fire and to resolve, in the order expected. */
export const alertFigures = (fired: ReadonlyMap<string, number>, resolved: ReadonlyMap<string, number>): AlertFigure[] =>
  [...fired].map(([alert, fireMs]) => ({ alert, fireMs, resolveMs: resolved.get(alert)! }));

const seconds = (ms: number | null): string => (ms === null ? "—" : `${(ms / 1000).toFixed(2)} s`);

const table = (header: readonly string[], rows: readonly string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
};

/** Both tables; `alertTiming` says how the alerts were evaluated (their `for` is not production's). */
export const formatFigures = (figures: readonly FaultFigures[], alertTiming: string): string => {
  const faults = table(
    ["fault", "execution while degraded", "brain reported", "time to halt", "brain to report", "time to resume", "brain to clear", "first order after", "orders while degraded", "signals sent while degraded → outcome"],
    figures.map((f) => [
      f.fault,
      f.degradedState,
      f.brainWhileDegraded,
      seconds(f.haltMs),
      seconds(f.brainReportMs),
      seconds(f.resumeMs),
      seconds(f.brainClearMs),
      seconds(f.firstOrderMs),
      String(f.ordersWhileDegraded),
      `${f.signalsWhileDegraded}: ${f.signalOutcomes}`,
    ]),
  );
  const alerts = table(
    ["fault", "alert", "time to fire", "resolved after"],
    figures.flatMap((f) => f.alerts.map((a) => [f.fault, a.alert, seconds(a.fireMs), seconds(a.resolveMs)])),
  );
  return `${faults}\n\nalerts that fired for each fault (${alertTiming}):\n${alerts}`;
};
