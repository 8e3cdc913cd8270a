import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ConfigError } from "../shared/config/index.js";
import { loadBrainSettings } from "./config.js";

const dir = mkdtempSync(join(tmpdir(), "brain-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problems = (env: Record<string, string>): string[] => {
  try {
    loadBrainSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

describe("the brain's settings", () => {
  test("default to domain.md's numbers, three symbols, phase 1 and the first symbol as beta benchmark", () => {
    const s = loadBrainSettings({});
    expect([...s.symbols]).toEqual(["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
    expect(s.startupPhases).toEqual([1]);
    expect(s.params.risk.benchmarkSymbol).toBe("BTCUSDT");
    expect(s.params.breaker.hardDailyDrawdownFraction).toBe(0.15);
    expect(s.heartbeatIntervalMs).toBe(1_000);
  });

  test("take a parameters file that overrides any subset", () => {
    const s = loadBrainSettings({ TITAN_BRAIN_PARAMETERS_FILE: file("ok.json", JSON.stringify({ signals: { freshnessMs: 5_000 } })), TITAN_BRAIN_PHASES: "1,2" });
    expect(s.params.signals.freshnessMs).toBe(5_000);
    expect(s.params.signals.orderCommandTtlMs).toBe(2_000);
    expect(s.startupPhases).toEqual([1, 2]);
  });

  test("report every problem at once, each naming its variable and field", () => {
    expect(
      problems({
        TITAN_BRAIN_SYMBOLS: "BTCUSDT,BTCUSDT",
        TITAN_BRAIN_PARAMETERS_FILE: file("bad.json", JSON.stringify({ breaker: { hardDailyDrawdownFraction: 2 }, risk: { benchmarkSymbol: "XRPUSDT" } })),
      }),
    ).toEqual([
      "TITAN_BRAIN_SYMBOLS: lists a symbol twice ('BTCUSDT,BTCUSDT')",
      expect.stringMatching(/^TITAN_BRAIN_PARAMETERS_FILE: breaker\.hardDailyDrawdownFraction: /),
    ]);
    expect(problems({ TITAN_BRAIN_PARAMETERS_FILE: file("bench.json", JSON.stringify({ risk: { benchmarkSymbol: "XRPUSDT" } })) })).toEqual([
      "TITAN_BRAIN_PARAMETERS_FILE: risk.benchmarkSymbol 'XRPUSDT' is not one of TITAN_BRAIN_SYMBOLS",
    ]);
    expect(problems({ TITAN_BRAIN_PARAMETERS_FILE: file("junk.json", "{nope") })).toEqual([expect.stringMatching(/is not valid JSON/)]);
    expect(problems({ TITAN_BRAIN_PARAMETERS_FILE: join(dir, "missing.json") })).toEqual([expect.stringMatching(/cannot read .* \(ENOENT\)/)]);
    expect(problems({ TITAN_BRAIN_PHASES: "1,4", TITAN_BRAIN_HEARTBEAT_INTERVAL: "1ms" })).toEqual([
      expect.stringMatching(/^TITAN_BRAIN_PHASES: must be comma-separated phase numbers 1-3/),
      expect.stringMatching(/^TITAN_BRAIN_HEARTBEAT_INTERVAL: must be a duration/),
    ]);
  });
});
