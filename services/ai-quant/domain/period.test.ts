import { describe, expect, it } from "vitest";
import { RETENTION } from "../../../ops/index.js";
import { parseTime, resolvePeriod } from "./period.js";

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 24, 0, 0, 5);

describe("the run's period", () => {
  it("defaults to the tape's hot days before the last UTC midnight", () => {
    expect(resolvePeriod(NOW)).toEqual({ fromMs: Date.UTC(2026, 10, 24) - RETENTION.tradeTapeHotDays.value * DAY_MS, toMs: Date.UTC(2026, 10, 24) });
  });

  it("takes days and ISO times, and refuses anything else with a clear error", () => {
    expect(parseTime("2026-11-20", "--from")).toBe(Date.UTC(2026, 10, 20));
    expect(parseTime("2026-11-20T12:00:00Z", "--from")).toBe(Date.UTC(2026, 10, 20, 12));
    expect(() => parseTime("2026-02-30", "--from")).toThrow(/not a calendar day/);
    expect(() => parseTime("yesterday", "--from")).toThrow(/--from must be a day/);
    expect(() => parseTime("2026-11-20T12:00:00", "--to")).toThrow(/with a zone/);
    expect(() => resolvePeriod(NOW, "2026-11-22", "2026-11-21")).toThrow(/must be before/);
    expect(() => resolvePeriod(NOW, "2026-11-22", "2026-11-26")).toThrow(/in the future/);
  });
});
