// Execution's view of the account, inside the inbox transaction of each message: equity snapshots,
// position snapshots and fills from execution reports move the brain's equity, positions and PnL, and
// feed the breaker. A HARD trip's flatten command and HALTED state commit with the message that caused it.
import type { Envelope } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { onEquitySnapshot, onExecutionReport, onPositionSnapshot } from "../state/transitions.js";
import type { Brain } from "./brain.js";

export const PORTFOLIO_MESSAGE_TYPES = ["execution-report", "equity-snapshot", "position-snapshot"] as const;

/** False for messages the handler would do nothing with: they are acknowledged without a transaction. */
export const isPortfolioMessageOfUse = (envelope: Envelope): boolean => envelope.type !== "execution-report" || envelope.payload.fill !== undefined;

export async function handlePortfolioMessage(brain: Brain, envelope: Envelope, tx: Queryable): Promise<void> {
  const correlationId = envelope.correlationId;
  switch (envelope.type) {
    case "equity-snapshot": {
      const snapshot = envelope.payload;
      await brain.change(tx, (state, c) => onEquitySnapshot(state, snapshot, c), undefined, correlationId);
      return;
    }
    case "position-snapshot": {
      const snapshot = envelope.payload;
      await brain.change(tx, (state, c) => onPositionSnapshot(state, snapshot, c), undefined, correlationId);
      return;
    }
    case "execution-report": {
      const report = envelope.payload;
      const fill = report.fill;
      if (fill === undefined) return; // order status without a fill: nothing moved (not delivered here by subscribe)
      const phase = await brain.orderPhases.phaseOf(tx, report.clientOrderId);
      // A fill already booked (the same report under another message id) is found by the fill row's key.
      const step = await brain.change(tx, (state, c) => onExecutionReport(state, report, phase, c), undefined, correlationId);
      if (step.refused !== undefined) brain.logger.info({ fillId: fill.fillId, reportId: report.reportId, why: step.refused }, "brain: fill already booked; report ignored");
      return;
    }
    default:
      return;
  }
}
