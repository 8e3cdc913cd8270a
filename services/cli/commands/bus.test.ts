import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/config/index.js";
import { inboxRetentionMs, parseSince, renderRepublished } from "./bus.js";
import { parseMarginSeconds } from "./restore-redis.js";

const NOW = Date.parse("2026-11-24T12:00:00Z");

describe("titanctl bus republish", () => {
  it("takes --since as a time with its zone or a duration before now", () => {
    expect(parseSince("2026-11-24T11:30:00Z", NOW)).toBe(Date.parse("2026-11-24T11:30:00Z"));
    expect(parseSince("2026-11-24T12:30:00+01:00", NOW)).toBe(Date.parse("2026-11-24T11:30:00Z"));
    expect(parseSince("90s", NOW)).toBe(NOW - 90_000);
    expect(parseSince("15m", NOW)).toBe(NOW - 900_000);
    expect(parseSince("2h", NOW)).toBe(NOW - 7_200_000);
  });

  it("refuses a --since without zone or unit, or in the future", () => {
    expect(() => parseSince("2026-11-24 11:30", NOW)).toThrow(/ISO 8601 time with its zone/);
    expect(() => parseSince("3600", NOW)).toThrow(/duration before now with its unit/);
    expect(() => parseSince("2026-11-24T13:00:00Z", NOW)).toThrow(/in the future/);
    expect(() => parseSince("2026-02-31T00:00:00Z", NOW)).toThrow(/not a real time/);
    expect(() => parseSince("2026-11-24T25:00:00Z", NOW)).toThrow(/not a real time/);
  });

  it("reads the inbox retention the brain prunes with, from the same environment", () => {
    expect(inboxRetentionMs({ TITAN_BRAIN_MESSAGING_RETENTION: "2h" })).toBe(7_200_000);
    expect(inboxRetentionMs({})).toBeGreaterThan(7_200_000);
    expect(() => inboxRetentionMs({ TITAN_BRAIN_MESSAGING_RETENTION: "soon" })).toThrow(ConfigError);
  });

  it("prints one line per schema with its streams", () => {
    expect(renderRepublished([{ schema: "brain", rows: 3, streams: { "titan:decisions": 2, "titan:heartbeats": 1 }, maxSeq: 9, audited: true }, { schema: "quant", rows: 0, streams: {}, maxSeq: null, audited: false }], "republished")).toBe(
      "brain: republished 3 messages (titan:decisions 2, titan:heartbeats 1), audited\nquant: republished 0 messages",
    );
    expect(renderRepublished([], "republished")).toBe("no schema has an outbox");
  });

  it("takes --margin-seconds as whole seconds", () => {
    expect(parseMarginSeconds("60")).toBe(60);
    expect(() => parseMarginSeconds("-1")).toThrow(/whole number/);
    expect(() => parseMarginSeconds("1m")).toThrow(/whole number/);
  });
});
