import { describe, expect, it } from "vitest";
import { CONTROLS, CONTROL_ACTIONS, confirmationMatches, upstreamCallFor } from "./controls.js";

describe("emergency controls", () => {
  it("each need an operator at least, the allocation override an admin (as the brain requires)", () => {
    for (const action of CONTROL_ACTIONS) expect(["operator", "admin"]).toContain(CONTROLS[action].role);
    expect(CONTROLS["allocation-override"].role).toBe("admin");
    expect(CONTROLS.flatten.role).toBe("operator");
  });

  it("are confirmed only by their exact words", () => {
    expect(confirmationMatches("flatten", "FLATTEN ALL")).toBe(true);
    for (const typed of ["flatten all", "FLATTEN ALL ", "FLATTEN", "HALT"]) expect(confirmationMatches("flatten", typed)).toBe(false);
  });

  it("become the owning service's request", () => {
    expect(upstreamCallFor("flatten", { reason: "r", symbol: "BTCUSDT" })).toMatchObject({ service: "execution", method: "POST", path: "/flatten", body: { reason: "r", confirm: true, symbol: "BTCUSDT" } });
    expect(upstreamCallFor("halt", { reason: "r" })).toEqual({ service: "execution", method: "POST", path: "/halt", body: { reason: "r" } });
    expect(upstreamCallFor("breaker-reset", { reason: "r" })).toEqual({ service: "brain", method: "POST", path: "/breaker/reset", body: { reason: "r", falsePositive: false } });
    expect(upstreamCallFor("allocation-override-clear", { reason: "a b&c" })).toEqual({ service: "brain", method: "DELETE", path: "/override?reason=a%20b%26c" });
    expect(() => upstreamCallFor("allocation-override", { reason: "r" })).toThrow(/weights and hours/);
  });
});
