// The phase of the signal each order came from, which booking its fills needs (positions carry no
// phase). Decisions are written once and never change, so a phase learnt from a committed decision
// stays true: fills of orders this process decided are booked without a lookup, and anything else (an
// order decided before a restart, a flatten the brain did not authorise) is read from the decisions table.
import type { Queryable } from "../../shared/db/database.js";
import { isPhase, type Phase } from "../domain/index.js";

/** Far more orders than are ever open at once; the oldest are forgotten first (and read again if needed). */
export const ORDER_PHASES_REMEMBERED = 10_000;

export class OrderPhases {
  private readonly known = new Map<string, Phase>();

  constructor(private readonly capacity = ORDER_PHASES_REMEMBERED) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`OrderPhases: capacity must be a positive integer, got ${capacity}`);
  }

  /** Call only with a committed decision's order (an after-commit hook). */
  remember(clientOrderId: string, phase: Phase): void {
    if (!this.known.has(clientOrderId) && this.known.size >= this.capacity) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(clientOrderId, phase);
  }

  /** The order's phase; null for an order without a decision (a flatten). */
  async phaseOf(q: Queryable, clientOrderId: string): Promise<Phase | null> {
    const known = this.known.get(clientOrderId);
    if (known !== undefined) return known;
    const { rows } = await q.query<{ phase: number }>("brain_order_phase", "SELECT phase FROM decisions WHERE client_order_id = $1", [clientOrderId]);
    const phase = rows[0]?.phase;
    if (!isPhase(phase)) return null;
    this.remember(clientOrderId, phase);
    return phase;
  }

  get size(): number {
    return this.known.size;
  }
}
