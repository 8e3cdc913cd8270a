import { describe, expect, it } from "vitest";
import { systemClock } from "../../shared/clock.js";
import { ConsoleEventSchema, MESSAGE_TYPES, checkSchema, makeEnvelope, type Envelope, type MessageType } from "../../shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../shared/contracts/samples.js";
import { LIVE_MESSAGE_TYPES, TOPIC_MIN_ROLE, eventFrame, eventsFrame, mayReceive, toConsoleEvent } from "./live-events.js";

const envelopeOf = (type: MessageType): Envelope => makeEnvelope(type, SAMPLE_PAYLOADS[type] as never, { source: "execution", clock: systemClock }) as Envelope;

describe("live events", () => {
  it("turn every message type the console follows into a valid console event carrying the payload", () => {
    for (const type of LIVE_MESSAGE_TYPES) {
      const envelope = envelopeOf(type);
      const event = toConsoleEvent(envelope);
      expect(event, type).not.toBeNull();
      expect(checkSchema(ConsoleEventSchema, event).ok, type).toBe(true);
      if (type !== "console-event") expect(event).toMatchObject({ eventId: envelope.id, source: { messageType: type, messageId: envelope.id }, data: envelope.payload, tsMs: envelope.tsMs });
    }
  });

  it("ignore the types the console does not show (market data, commands)", () => {
    for (const type of MESSAGE_TYPES.filter((t) => !(LIVE_MESSAGE_TYPES as readonly string[]).includes(t))) expect(toConsoleEvent(envelopeOf(type)), type).toBeNull();
  });

  it("rate a HALTED trading state critical and an approved decision informational", () => {
    const halted = makeEnvelope("trading-state", { ...SAMPLE_PAYLOADS["trading-state"], state: "HALTED" }, { source: "brain", clock: systemClock });
    expect(toConsoleEvent(halted)?.severity).toBe("critical");
  });

  it("keep the audit trail for admins, everything else for every role", () => {
    expect(mayReceive("viewer", "audit")).toBe(false);
    expect(mayReceive("operator", "audit")).toBe(false);
    expect(mayReceive("admin", "audit")).toBe(true);
    for (const topic of Object.keys(TOPIC_MIN_ROLE) as Array<keyof typeof TOPIC_MIN_ROLE>) if (topic !== "audit") expect(mayReceive("viewer", topic)).toBe(true);
  });

  it("frame an event once as JSON", () => {
    const event = toConsoleEvent(envelopeOf("signal"));
    expect(JSON.parse(eventFrame(event!))).toEqual({ kind: "event", event });
  });

  it("frame one event as an event, several as one events frame in their order", () => {
    const [a, b] = [toConsoleEvent(envelopeOf("signal"))!, toConsoleEvent(envelopeOf("decision"))!];
    expect(JSON.parse(eventsFrame([a]))).toEqual({ kind: "event", event: a });
    expect(JSON.parse(eventsFrame([a, b]))).toEqual({ kind: "events", events: [a, b] });
  });
});
