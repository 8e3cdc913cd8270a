import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { faultPoint, parseFaultPoints } from "./faults.js";

// Runs a tiny script in a fresh process (the armed set is read once at load) and reports how it ended.
const runWithFaults = (spec: string | undefined, script: string) => {
  const env = { ...process.env };
  delete env.TITAN_FAULT_POINTS;
  if (spec !== undefined) env.TITAN_FAULT_POINTS = spec;
  const faultsUrl = new URL("./faults.ts", import.meta.url).href;
  const res = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `import { faultPoint } from ${JSON.stringify(faultsUrl)};\n${script}`], {
    env,
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
};

describe("parseFaultPoints", () => {
  it("reads names with an optional hit number", () => {
    expect([...parseFaultPoints("a.b, c-d@3 ,,")]).toEqual([
      ["a.b", 1],
      ["c-d", 3],
    ]);
    expect(parseFaultPoints(undefined).size).toBe(0);
    expect(parseFaultPoints("").size).toBe(0);
  });

  it("refuses a malformed entry instead of silently arming nothing", () => {
    expect(() => parseFaultPoints("bad name")).toThrow(/not <name>/);
    expect(() => parseFaultPoints("x@0")).toThrow(/≥ 1/);
    expect(() => parseFaultPoints("x@-1")).toThrow(/not <name>/);
  });
});

describe("faultPoint", () => {
  it("does nothing when no fault point is armed", () => {
    expect(() => faultPoint("consumer.after-commit-before-ack")).not.toThrow();
    const res = runWithFaults(undefined, `faultPoint("x"); process.stdout.write("alive");`);
    expect(res.stdout).toBe("alive");
    expect(res.status).toBe(0);
  });

  it("SIGKILLs the process at an armed point and not at others", () => {
    const res = runWithFaults("x", `faultPoint("y"); process.stdout.write("before;"); faultPoint("x"); process.stdout.write("after");`);
    expect(res.signal).toBe("SIGKILL");
    expect(res.stdout).toBe("before;");
    expect(res.stderr).toContain("TITAN_FAULT_POINTS armed: x@1");
  });

  it("kills at the N-th hit of name@N", () => {
    const res = runWithFaults("x@3", `for (let i = 1; i <= 5; i++) { faultPoint("x"); process.stdout.write(i + ";"); }`);
    expect(res.signal).toBe("SIGKILL");
    expect(res.stdout).toBe("1;2;");
  });
});
