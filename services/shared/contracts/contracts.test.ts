import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SERVICE_NAMES } from "../../../ops/services.js";
import { ManualClock } from "../clock.js";
import {
  ContractError,
  MESSAGES,
  MESSAGE_TYPES,
  TRAP_TYPES,
  makeEnvelope,
  parseEnvelope,
  streamOf,
  validateEnvelope,
  type MessageOf,
  type MessageType,
} from "./index.js";
import { SAMPLE_PAYLOADS } from "./samples.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1));
const envelopeOf = <T extends MessageType>(type: T, payload: unknown = SAMPLE_PAYLOADS[type]) => ({
  id: "11111111-2222-4333-8444-555555555555",
  type,
  version: MESSAGES[type].version,
  source: "brain",
  tsMs: clock.nowMs(),
  payload,
});
const reasonFor = (raw: unknown): string => {
  const result = validateEnvelope(raw);
  if (result.ok) throw new Error("expected the envelope to be rejected");
  return result.reason;
};
const mutate = <T extends MessageType>(type: T, change: Record<string, unknown>) => ({ ...(SAMPLE_PAYLOADS[type] as object), ...change });

/** For each type, one broken payload and the field the reason must name. */
const BROKEN: { [T in MessageType]: { payload: unknown; field: string } } = {
  signal: { payload: mutate("signal", { side: "up" }), field: "payload.side" },
  decision: { payload: mutate("decision", { authorisedNotionalUsd: 0 }), field: "payload.authorisedNotionalUsd" },
  "order-command": { payload: mutate("order-command", { clientOrderId: "x".repeat(37) }), field: "payload.clientOrderId" },
  "control-command": { payload: mutate("control-command", { reason: "" }), field: "payload.reason" },
  "execution-report": { payload: mutate("execution-report", { venueTsMs: "yesterday" }), field: "payload.venueTsMs" },
  "position-snapshot": { payload: mutate("position-snapshot", { qty: -1 }), field: "payload.qty" },
  "equity-snapshot": { payload: mutate("equity-snapshot", { account: "margin" }), field: "payload.account" },
  "trade-closed": { payload: mutate("trade-closed", { signalId: "not-a-uuid" }), field: "payload.signalId" },
  "trading-state": { payload: mutate("trading-state", { state: "PAUSED" }), field: "payload.state" },
  "breaker-event": { payload: mutate("breaker-event", { breaker: "MEDIUM" }), field: "payload.breaker" },
  heartbeat: { payload: mutate("heartbeat", { sequence: 1.5 }), field: "payload.sequence" },
  "market-trade": { payload: mutate("market-trade", { priceUsd: 0 }), field: "payload.priceUsd" },
  "market-ticker": { payload: mutate("market-ticker", { bidPriceUsd: -1 }), field: "payload.bidPriceUsd" },
  "market-kline": { payload: mutate("market-kline", { interval: "7m" }), field: "payload.interval" },
  "market-open-interest": { payload: mutate("market-open-interest", { openInterestQty: undefined }), field: "payload.openInterestQty" },
  "market-funding": { payload: mutate("market-funding", { fundingRate: 2 }), field: "payload.fundingRate" },
  "config-change": { payload: mutate("config-change", { configVersion: 0 }), field: "payload.configVersion" },
  proposal: { payload: mutate("proposal", { changes: [] }), field: "payload.changes" },
  "audit-event": { payload: mutate("audit-event", { action: "Reset Breaker" }), field: "payload.action" },
  "console-event": { payload: mutate("console-event", { severity: "fatal" }), field: "payload.severity" },
  "dead-letter": { payload: mutate("dead-letter", { attempts: 0 }), field: "payload.attempts" },
};

describe("message registry", () => {
  it("gives every message type a schema, version 1 and a titan: stream of its own", () => {
    const streams = MESSAGE_TYPES.map(streamOf);
    expect(new Set(streams).size).toBe(MESSAGE_TYPES.length);
    for (const type of MESSAGE_TYPES) {
      expect(MESSAGES[type].version).toBe(1);
      expect(streamOf(type)).toMatch(/^titan:[a-z:-]+$/);
    }
    expect(streamOf("dead-letter")).toBe("titan:dead-letter");
    expect(streamOf("market-trade")).toBe("titan:market:trades");
  });
});

describe.each(MESSAGE_TYPES)("%s", (type) => {
  it("accepts the sample payload", () => {
    const result = validateEnvelope(envelopeOf(type));
    expect(result.ok ? "ok" : result.reason).toBe("ok");
  });

  it("rejects a broken payload with a reason naming the field", () => {
    const { payload, field } = BROKEN[type];
    expect(reasonFor(envelopeOf(type, payload))).toContain(`${field}:`);
  });

  it("rejects an unknown field in the payload", () => {
    expect(reasonFor(envelopeOf(type, { ...(SAMPLE_PAYLOADS[type] as object), surprise: 1 }))).toContain("payload.surprise: is not an allowed field");
  });

  it("rejects a payload of another version", () => {
    expect(reasonFor(envelopeOf(type, { ...(SAMPLE_PAYLOADS[type] as object), version: 2 }))).toContain("payload.version: must be 1");
  });
});

describe("validateEnvelope", () => {
  it("rejects an unknown message type, naming the allowed ones", () => {
    const reason = reasonFor({ ...envelopeOf("signal"), type: "rumour" });
    expect(reason).toMatch(/^type: must be one of 'signal', 'decision'.*got 'rumour'/);
  });

  it("rejects an envelope version this build does not read", () => {
    expect(reasonFor({ ...envelopeOf("signal"), version: 2 })).toBe("version: signal version 2 is not supported (this build reads version 1)");
  });

  it("rejects a missing id, an unknown source and a non-object, without throwing", () => {
    const { id: _id, ...withoutId } = envelopeOf("heartbeat");
    expect(reasonFor(withoutId)).toBe("id: is required");
    expect(reasonFor({ ...envelopeOf("heartbeat"), source: "mallory" })).toContain("source: must be one of 'brain'");
    expect(reasonFor("hello")).toBe("(root): must be object, got 'hello'");
    expect(reasonFor(null)).toContain("(root): must be object");
  });

  it("names nested fields with dots and array indexes", () => {
    const payload = mutate("order-command", { takeProfits: [{ priceUsd: 61_000, fraction: 0.5 }, { priceUsd: -5, fraction: 0.5 }] });
    expect(reasonFor(envelopeOf("order-command", payload))).toBe("payload.takeProfits[1].priceUsd: must be > 0, got -5");
  });

  it("reports only the union branch a control command was meant for", () => {
    const transfer = { ...SAMPLE_PAYLOADS["control-command"], command: "transfer", transferId: "00000000-0000-4000-8000-000000000009", venue: "bybit", asset: "USDT", amountUsd: -1, fromAccount: "futures", toAccount: "spot" };
    expect(reasonFor(envelopeOf("control-command", transfer))).toBe("payload.amountUsd: must be > 0, got -1");
    const unknown = { ...SAMPLE_PAYLOADS["control-command"], command: "explode" };
    expect(reasonFor(envelopeOf("control-command", unknown))).toBe(
      "payload.command: must be one of 'flatten', 'cancel-all', 'halt', 'resume', 'transfer', got 'explode'",
    );
  });

  it("explains a vetoed decision that lacks its reason", () => {
    const { authorisedNotionalUsd: _a, leverage: _l, risk: _r, ...base } = SAMPLE_PAYLOADS.decision as MessageOf<"decision"> & Record<string, unknown>;
    const vetoed = { ...base, outcome: "vetoed", detail: "breaker HARD active" };
    expect(reasonFor(envelopeOf("decision", vetoed))).toBe("payload.reason: is required");
  });

  it("says which types a nullable field takes", () => {
    expect(reasonFor(envelopeOf("market-ticker", mutate("market-ticker", { bidPriceUsd: "cheap" })))).toBe(
      "payload.bidPriceUsd: must be number or null, got 'cheap'",
    );
  });

  it("parses JSON text and reports text that is not JSON", () => {
    expect(parseEnvelope(JSON.stringify(envelopeOf("heartbeat"))).ok).toBe(true);
    const bad = parseEnvelope("{not json");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/^\(root\): not valid JSON/);
  });
});

describe("makeEnvelope", () => {
  it("stamps id, version, source and the clock's time", () => {
    const envelope = makeEnvelope("heartbeat", SAMPLE_PAYLOADS.heartbeat, { source: "brain", clock, correlationId: "flow-1" });
    expect(envelope).toMatchObject({ type: "heartbeat", version: 1, source: "brain", tsMs: clock.nowMs(), correlationId: "flow-1" });
    expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
    expect("causationId" in envelope).toBe(false);
  });

  it("refuses an invalid payload at the producer, naming the field", () => {
    const bad = { ...SAMPLE_PAYLOADS.signal, confidence: 140 };
    expect(() => makeEnvelope("signal", bad, { source: "scavenger", clock })).toThrow(ContractError);
    expect(() => makeEnvelope("signal", bad, { source: "scavenger", clock })).toThrow(/payload\.confidence: must be <= 100/);
  });

  const anyOf = <T>(values: readonly T[]) => fc.constantFrom(...values);
  const price = fc.double({ min: 0.0001, max: 1e7, noNaN: true });
  const signalArb = fc.record({
    version: fc.constant(1 as const),
    signalId: fc.uuid({ version: 4 }),
    phase: anyOf([1, 2, 3] as const),
    symbol: fc.stringMatching(/^[A-Z0-9]{2,8}\/USDT(:USDT)?$/),
    side: anyOf(["long", "short"] as const),
    requestedNotionalUsd: fc.double({ min: 0.01, max: 1e9, noNaN: true }),
    leverage: fc.double({ min: 1, max: 125, noNaN: true }),
    entryZone: fc.record({ lowPriceUsd: price, highPriceUsd: price }),
    stopLossPriceUsd: price,
    takeProfits: fc.array(fc.record({ priceUsd: price, fraction: fc.double({ min: 0.01, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 5 }),
    confidence: fc.double({ min: 0, max: 100, noNaN: true }),
    trapType: anyOf(TRAP_TYPES),
    triggerPriceUsd: price,
    tsMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  }) satisfies fc.Arbitrary<MessageOf<"signal">>;

  const options = fc.record({
    source: anyOf(SERVICE_NAMES),
    nowMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    correlationId: fc.option(fc.string({ minLength: 1, maxLength: 200 }), { nil: undefined }),
    causationId: fc.option(fc.uuid(), { nil: undefined }),
  });

  it("always produces an envelope that validates, for any message type and options", () => {
    fc.assert(
      fc.property(anyOf(MESSAGE_TYPES), options, (type, { source, nowMs, correlationId, causationId }) => {
        const envelope = makeEnvelope(type, SAMPLE_PAYLOADS[type], { source, clock: new ManualClock(nowMs), correlationId, causationId });
        const roundTripped = validateEnvelope(JSON.parse(JSON.stringify(envelope)));
        expect(roundTripped.ok).toBe(true);
        expect(envelope.tsMs).toBe(nowMs);
      }),
    );
  });

  it("always produces a valid envelope for any valid signal", () => {
    fc.assert(
      fc.property(signalArb, options, (signal, { source, nowMs }) => {
        const envelope = makeEnvelope("signal", signal, { source, clock: new ManualClock(nowMs) });
        expect(validateEnvelope(JSON.parse(JSON.stringify(envelope))).ok).toBe(true);
      }),
    );
  });
});
