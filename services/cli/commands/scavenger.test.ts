import { describe, expect, it } from "vitest";
import { describeProblem } from "../http-client.js";
import { parseVersionArg, readParametersFile, renderActivation, renderVersionList } from "./scavenger.js";

const summary = (version: number, active: boolean) => ({
  version,
  createdAtMs: Date.UTC(2026, 0, 1, 12),
  createdBy: { kind: "operator", id: "t1", name: "alice" },
  reason: "a reason",
  proposalId: null,
  parametersSha256: "ab".repeat(32),
  active,
  lastActivatedAtMs: active ? Date.UTC(2026, 0, 2) : null,
});

describe("titanctl config rendering", () => {
  it("lists versions one per line and marks the active one", () => {
    const text = renderVersionList({ activeVersion: 2, appliedVersion: 2, versions: [summary(1, false), summary(2, true)] });
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^VERSION\s+CREATED\s+BY\s+LAST ACTIVATED\s+SHA256\s+REASON$/);
    expect(lines[1]).toMatch(/^ 1\s+2026-01-01T12:00:00Z\s+operator:alice\s+-\s+abababababab\s+a reason$/);
    expect(lines[2]).toMatch(/^\*2\s/);
    expect(lines.at(-1)).toBe("* = active (version 2)");
  });

  it("says when an activation was a rollback", () => {
    expect(renderActivation({ version: 1, previousVersion: 3, action: "rolled-back", appliedVersion: 1 })).toMatch(/^rolled back to version 1 \(was 3\)/);
    expect(renderActivation({ version: 4, previousVersion: 3, action: "activated", appliedVersion: 4 })).toMatch(/^version 4 active \(was 3\)/);
  });

  it("lists every problem of a refused parameter set", () => {
    const text = describeProblem({ detail: "invalid scavenger parameters (2 problems)", errors: [{ path: "/body/parameters/a", message: "x" }, { path: "/body/parameters/b", message: "y" }] }, "");
    expect(text.split("\n")).toEqual(["invalid scavenger parameters (2 problems)", "  /body/parameters/a: x", "  /body/parameters/b: y"]);
  });
});

describe("titanctl config arguments", () => {
  it("accepts a positive version number or `active`, and nothing else", () => {
    expect(parseVersionArg("7")).toBe(7);
    expect(parseVersionArg("active")).toBe("active");
    for (const bad of ["0", "-1", "1.5", "v2", ""]) expect(() => parseVersionArg(bad)).toThrow(/positive whole number/);
  });

  it("reads a parameter object, or the parameters of a `config show` dump", () => {
    expect(readParametersFile("p.json", () => '{"maxOpenPositions": 2}')).toEqual({ maxOpenPositions: 2 });
    expect(readParametersFile("p.json", () => '{"version": 3, "parameters": {"cooldownSeconds": 60}}')).toEqual({ cooldownSeconds: 60 });
    expect(() => readParametersFile("p.json", () => "{oops")).toThrow(/p\.json: not valid JSON/);
    expect(() => readParametersFile("p.json", () => "[1]")).toThrow(/JSON object/);
  });
});
