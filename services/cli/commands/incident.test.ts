import { describe, expect, it } from "vitest";
import { parseAt, parseLimit, renderIncidents, type IncidentListItem } from "./incident.js";

const closed: IncidentListItem = {
  id: "0b8f6c1e-2d7a-4c1b-9a57-1f3e5d9c8b70",
  status: "closed",
  firstPageAt: "2026-11-24T08:00:15.000Z",
  faultStartAt: "2026-11-24T07:55:00.000Z",
  faultStartSource: "operator",
  faultStartReason: "disk full per dmesg",
  closedAt: "2026-11-24T08:20:00.000Z",
  detectionSeconds: 315,
  recoverySeconds: 1500,
  alerts: [{ alertname: "TitanServiceDown", service: "execution", resolvedAt: "2026-11-24T08:20:00.000Z" }],
};

describe("titanctl incident", () => {
  it("lists incidents with detection and recovery in minutes, a corrected start marked", () => {
    const lines = renderIncidents([closed, { ...closed, status: "open", faultStartSource: "alerts", closedAt: null, detectionSeconds: 42, recoverySeconds: null, alerts: [{ alertname: "TitanDatabaseDown", service: null, resolvedAt: null }] }]).split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+FAULT START\s+FIRST PAGE\s+DETECT\s+RECOVER\s+ALERTS$/);
    expect(lines[1]).toMatch(/closed\s+2026-11-24T07:55:00.000Z \(set\)\s+2026-11-24T08:00:15.000Z\s+5m15s\s+25m00s\s+TitanServiceDown\{execution\} resolved$/);
    expect(lines[2]).toMatch(/open\s+2026-11-24T07:55:00.000Z\s+2026-11-24T08:00:15.000Z\s+42s\s+-\s+TitanDatabaseDown$/);
    expect(renderIncidents([])).toBe("no incidents");
  });

  it("takes --at only with a zone, normalised to UTC", () => {
    expect(parseAt("2026-11-24T08:58:00+01:00")).toBe("2026-11-24T07:58:00.000Z");
    expect(parseAt("2026-11-24T07:58Z")).toBe("2026-11-24T07:58:00.000Z");
    expect(() => parseAt("2026-11-24 07:58")).toThrow(/ISO 8601 time with a zone/);
    expect(() => parseAt("2026-13-40T07:58:00Z")).toThrow(/not a real time/);
  });

  it("bounds --limit", () => {
    expect(parseLimit("50")).toBe(50);
    expect(() => parseLimit("0")).toThrow(/1 to 500/);
    expect(() => parseLimit("ten")).toThrow(/whole number/);
  });
});
