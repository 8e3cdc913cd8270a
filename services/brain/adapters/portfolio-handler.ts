// Execution's view of the account, inside the inbox transaction of each message: equity snapshots,
// position snapshots and fills from execution reports move the brain's equity, positions and PnL, and
// feed the breaker. A HARD trip's flatten command and HALTED state commit with the message that caused it.
import type { Envelope } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { isPhase, type Phase } from "../domain/index.js";
import { onEquitySnapshot, onExecutionReport, onPositionSnapshot } from "../state/transitions.js";
import type { Brain } from "./brain.js";

export const PORTFOLIO_MESSAGE_TYPES = ["execution-report", "equity-snapshot", "position-snapshot"] as const;

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
      if (fill === undefined) return; // order status without a fill: nothing moved
      await brain.stateIn(tx, "update"); // serialise before the duplicate check
      const known = await tx.query("brain_fill_known", "SELECT 1 FROM fills WHERE fill_id = $1", [fill.fillId]);
      if ((known.rowCount ?? 0) > 0) {
        brain.logger.info({ fillId: fill.fillId, reportId: report.reportId }, "brain: fill already booked; report ignored");
        return;
      }
      const phase = await phaseOfOrder(tx, report.clientOrderId);
      await brain.change(tx, (state, c) => onExecutionReport(state, report, phase, c), undefined, correlationId);
      return;
    }
    default:
      return;
  }
}

/** The phase of the signal an order came from; null for orders the brain did not authorise (a flatten). */
async function phaseOfOrder(tx: Queryable, clientOrderId: string): Promise<Phase | null> {
  const { rows } = await tx.query<{ phase: number }>("brain_order_phase", "SELECT phase FROM decisions WHERE client_order_id = $1", [clientOrderId]);
  const phase = rows[0]?.phase;
  return isPhase(phase) ? phase : null;
}
