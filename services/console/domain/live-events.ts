// Bus messages as the console's live feed: each envelope becomes one ConsoleEvent (a line a person
// reads, plus the payload behind it), and each topic names the weakest role that may receive it.
import { roleAtLeast, type ConsoleEvent, type Envelope, type MessageType, type Role } from "../../shared/contracts/index.js";

export type ConsoleTopic = ConsoleEvent["topic"];

/** The message types the console follows; each console instance reads all of them itself. */
export const LIVE_MESSAGE_TYPES = [
  "execution-report",
  "position-snapshot",
  "equity-snapshot",
  "trading-state",
  "breaker-event",
  "decision",
  "signal",
  "trade-closed",
  "heartbeat",
  "proposal",
  "config-change",
  "console-event",
  "audit-event",
] as const satisfies readonly MessageType[];
export type LiveMessageType = (typeof LIVE_MESSAGE_TYPES)[number];

/** Who may see a topic: the audit trail (who did what, security refusals) is for admins. */
export const TOPIC_MIN_ROLE: Readonly<Record<ConsoleTopic, Role>> = {
  signal: "viewer",
  decision: "viewer",
  order: "viewer",
  fill: "viewer",
  position: "viewer",
  equity: "viewer",
  breaker: "viewer",
  "trading-state": "viewer",
  proposal: "viewer",
  config: "viewer",
  audit: "admin",
  alert: "viewer",
  system: "viewer",
};

export const mayReceive = (role: Role, topic: ConsoleTopic): boolean => roleAtLeast(role, TOPIC_MIN_ROLE[topic]);

const usd = (n: number): string => `${n < 0 ? "-" : ""}${Math.abs(n).toFixed(2)} USD`;
const signedUsd = (n: number): string => `${n >= 0 ? "+" : "-"}${Math.abs(n).toFixed(2)} USD`;

type Summary = Pick<ConsoleEvent, "topic" | "severity" | "title"> & { readonly symbol?: string; readonly detail?: string };

const summarise = (e: Envelope): Summary | null => {
  switch (e.type) {
    case "execution-report": {
      const p = e.payload;
      const topic = p.fill ? "fill" : "order";
      const what = p.fill ? `filled ${p.fill.qty} @ ${p.fill.priceUsd}` : `${p.status} ${p.filledQty}/${p.orderQty}`;
      return { topic, severity: p.status === "rejected" ? "warning" : "info", title: `${p.symbol} ${p.side} ${p.orderType}: ${what}`, symbol: p.symbol, ...(p.rejectReason ? { detail: p.rejectReason } : {}) };
    }
    case "position-snapshot": {
      const p = e.payload;
      return { topic: "position", severity: "info", title: p.side === "flat" ? `${p.symbol} flat` : `${p.symbol} ${p.side} ${p.qty} (${usd(p.notionalUsd)})`, symbol: p.symbol };
    }
    case "equity-snapshot":
      return { topic: "equity", severity: "info", title: `Equity ${usd(e.payload.equityUsd)} (${e.payload.account})` };
    case "trading-state": {
      const p = e.payload;
      const causes = p.causes.map((c) => c.cause).join(", ");
      return { topic: "trading-state", severity: p.state === "HALTED" ? "critical" : p.state === "REDUCING" ? "warning" : "info", title: `Trading ${p.state}${causes ? ` (${causes})` : ""}` };
    }
    case "breaker-event": {
      const p = e.payload;
      const severity = p.action === "reset" ? "info" : p.breaker === "HARD" ? "critical" : "warning";
      return { topic: "breaker", severity, title: `Breaker ${p.breaker} ${p.action}: ${p.trigger}`, detail: p.detail };
    }
    case "decision": {
      const p = e.payload;
      const outcome = p.outcome === "approved" ? `approved ${usd(p.authorisedNotionalUsd)}` : `vetoed (${p.reason})`;
      return { topic: "decision", severity: "info", title: `${p.symbol} ${p.side} ${outcome}`, symbol: p.symbol, ...(p.outcome === "vetoed" ? { detail: p.detail } : {}) };
    }
    case "signal": {
      const p = e.payload;
      return { topic: "signal", severity: "info", title: `${p.symbol} ${p.side} ${p.trapType} signal, ${usd(p.requestedNotionalUsd)} at confidence ${p.confidence}`, symbol: p.symbol };
    }
    case "trade-closed": {
      const p = e.payload;
      return { topic: "position", severity: "info", title: `${p.symbol} ${p.side} closed: ${signedUsd(p.realisedPnlUsd)}`, symbol: p.symbol };
    }
    case "heartbeat":
      return { topic: "system", severity: "info", title: `${e.payload.service} ${e.payload.instanceId} alive` };
    case "proposal":
      return { topic: "proposal", severity: "info", title: `AI Quant proposal for ${e.payload.targetService}: ${e.payload.status}` };
    case "config-change": {
      const p = e.payload;
      return { topic: "config", severity: "info", title: `${p.service} ${p.configKind} v${p.configVersion} ${p.action}`, detail: p.reason };
    }
    case "audit-event":
      return { topic: "audit", severity: "info", title: `${e.payload.actor.id} ${e.payload.action}` };
    default:
      return null;
  }
};

/** The console event of a bus message, or null for a type the console does not show. */
export const toConsoleEvent = (e: Envelope): ConsoleEvent | null => {
  if (e.type === "console-event") return e.payload;
  const s = summarise(e);
  if (s === null) return null;
  return {
    version: 1,
    eventId: e.id,
    topic: s.topic,
    severity: s.severity,
    title: s.title.slice(0, 200),
    ...(s.detail !== undefined ? { detail: s.detail.slice(0, 4000) } : {}),
    ...(s.symbol !== undefined ? { symbol: s.symbol } : {}),
    source: { messageType: e.type, messageId: e.id },
    data: e.payload,
    tsMs: e.tsMs,
  };
};

/** The frame every permitted socket receives: serialised once per event, whatever the audience. */
export const eventFrame = (event: ConsoleEvent): string => JSON.stringify({ kind: "event", event });

/**
 * The frame for the events one read of the bus brought: one event as an `event` frame, several as one
 * `events` frame (in bus order). Under load a read brings many, and one frame per socket instead of one
 * per event is what keeps the fan-out's cost (a TLS record and a write per socket) from growing with the rate.
 */
export const eventsFrame = (events: readonly ConsoleEvent[]): string => (events.length === 1 ? eventFrame(events[0] as ConsoleEvent) : JSON.stringify({ kind: "events", events }));
