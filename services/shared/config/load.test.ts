import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, boolVar, configKey, durationMsVar, enumVar, intVar, loadConfig, parseDurationMs, pathVar, portVar, stringVar, urlVar } from "./index.js";

const SPEC = [
  portVar("PORT", { description: "port", default: 8080 }),
  urlVar("DB_URL", { description: "db", required: true, schemes: ["postgres", "postgresql"] }),
  stringVar("API_SECRET", { description: "secret", secret: true, required: true, minLength: 32 }),
  stringVar("OPTIONAL_SECRET", { description: "optional secret", secret: true }),
  boolVar("FLAG", { description: "flag", default: false }),
  enumVar("MODE", ["paper", "live"], { description: "mode", default: "paper" }),
  durationMsVar("TIMEOUT", { description: "timeout", default: 5_000, min: 1 }),
  intVar("COUNT", { description: "count", min: 1, max: 10 }),
  pathVar("DIR", { description: "dir", default: ".titan" }),
  pathVar("CHILD", { description: "derived", default: { compute: (loaded) => `${String(loaded.DIR)}/child`, describe: "<DIR>/child" } }),
  pathVar("CERT", { description: "cert", requires: ["KEY"] }),
  pathVar("KEY", { description: "key", requires: ["CERT"] }),
] as const;

const SECRET = "s".repeat(32);
const VALID = { DB_URL: "postgres://titan@127.0.0.1:5432/titan", API_SECRET: SECRET };

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(SPEC, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected loading to fail");
};

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const tempFile = (content: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "titan-config-"));
  tempDirs.push(dir);
  const path = join(dir, "secret");
  writeFileSync(path, content);
  return path;
};

describe("loadConfig", () => {
  it("fills defaults, including ones computed from earlier variables", () => {
    const config = loadConfig(SPEC, VALID);
    expect(config).toEqual({
      port: 8080,
      dbUrl: VALID.DB_URL,
      apiSecret: SECRET,
      optionalSecret: undefined,
      flag: false,
      mode: "paper",
      timeout: 5_000,
      count: undefined,
      dir: ".titan",
      child: ".titan/child",
      cert: undefined,
      key: undefined,
    });
    expect(loadConfig(SPEC, { ...VALID, DIR: "/var/lib/titan" }).child).toBe("/var/lib/titan/child");
  });

  it("parses each kind from its text", () => {
    const config = loadConfig(SPEC, { ...VALID, PORT: "3100", FLAG: "yes", MODE: "live", TIMEOUT: "30s", COUNT: "7", CERT: "/c.pem", KEY: "/k.pem" });
    expect(config).toMatchObject({ port: 3100, flag: true, mode: "live", timeout: 30_000, count: 7, cert: "/c.pem", key: "/k.pem" });
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig(SPEC, { ...VALID, PORT: "", COUNT: "" })).toMatchObject({ port: 8080, count: undefined });
  });

  it("reports every problem at once, one line each, naming the variable", () => {
    const problems = problemsOf({ PORT: "abc", DB_URL: "mysql://db/titan", FLAG: "maybe", MODE: "yolo", TIMEOUT: "soon", COUNT: "11", CERT: "/c.pem" });
    expect(problems).toEqual([
      "PORT: must be an integer 1-65535, got 'abc'",
      "DB_URL: must be a URL starting postgres:// or postgresql://, got 'mysql://db/titan'",
      "API_SECRET: is required but not set (a string of at least 32 characters, or API_SECRET_FILE naming a file that holds it)",
      "FLAG: must be true or false (also 1/0, yes/no, on/off), got 'maybe'",
      "MODE: must be one of paper, live, got 'yolo'",
      "TIMEOUT: must be a duration such as 500ms, 30s, 5m or 1h (ms >= 1), got 'soon'",
      "COUNT: must be an integer 1-10, got '11'",
      "CERT: is set, so KEY must be set too",
    ]);
    for (const problem of problems) expect(problem).not.toContain("\n");
  });

  it("never echoes a secret or a URL's password in a problem", () => {
    const problems = problemsOf({ DB_URL: "mysql://titan:hunter2@db/titan", API_SECRET: "too-short-secret" });
    expect(problems).toContain("API_SECRET: must be a string of at least 32 characters, got a value of 16 characters");
    expect(problems.join("\n")).not.toContain("too-short-secret");
    expect(problems.join("\n")).not.toContain("hunter2");
    expect(problems).toContain("DB_URL: must be a URL starting postgres:// or postgresql://, got 'mysql://titan:***@db/titan'");
  });

  it("collects the problems into the error message too", () => {
    expect(() => loadConfig(SPEC, {})).toThrow(/invalid configuration \(2 problems\):\nDB_URL: .*\nAPI_SECRET: /);
  });
});

describe("secrets from files", () => {
  it("reads <NAME>_FILE and trims the trailing newline", () => {
    const config = loadConfig(SPEC, { DB_URL: VALID.DB_URL, API_SECRET_FILE: tempFile(`${SECRET}\n`), OPTIONAL_SECRET_FILE: tempFile("pa ss\r\n") });
    expect(config.apiSecret).toBe(SECRET);
    expect(config.optionalSecret).toBe("pa ss");
  });

  it("validates a value read from a file like any other", () => {
    expect(problemsOf({ DB_URL: VALID.DB_URL, API_SECRET_FILE: tempFile("short\n") })).toEqual([
      "API_SECRET: must be a string of at least 32 characters, got a value of 5 characters",
    ]);
  });

  it("refuses both the variable and its _FILE", () => {
    expect(problemsOf({ DB_URL: VALID.DB_URL, API_SECRET: SECRET, API_SECRET_FILE: tempFile(SECRET) })).toEqual([
      "API_SECRET: both API_SECRET and API_SECRET_FILE are set; give only one",
    ]);
  });

  it("reports a missing, unreadable or empty file", () => {
    const unreadable = tempFile(SECRET);
    chmodSync(unreadable, 0o000);
    const problems = problemsOf({
      DB_URL: VALID.DB_URL,
      API_SECRET_FILE: "/nonexistent/secret",
      OPTIONAL_SECRET_FILE: tempFile("\n"),
    });
    expect(problems).toEqual(["API_SECRET_FILE: cannot read '/nonexistent/secret' (ENOENT)", `OPTIONAL_SECRET_FILE: '${problems[1]?.split("'")[1]}' is empty`]);
    // root reads any file, so the permission case only shows for an ordinary user.
    if (process.getuid?.() !== 0) expect(problemsOf({ DB_URL: VALID.DB_URL, API_SECRET_FILE: unreadable })[0]).toContain("(EACCES)");
  });

  it("refuses _FILE for a variable that is not a secret", () => {
    expect(problemsOf({ ...VALID, PORT_FILE: tempFile("3100") })).toEqual(["PORT_FILE: PORT is not a secret and cannot be read from a file; set PORT instead"]);
  });
});

describe("configKey", () => {
  it("camel-cases the name without the TITAN_ prefix", () => {
    expect(configKey("TITAN_DATABASE_POOL_MAX")).toBe("databasePoolMax");
    expect(configKey("TITAN_ENV")).toBe("env");
    expect(configKey("DB_URL")).toBe("dbUrl");
  });
});

describe("parseDurationMs", () => {
  it.each([
    ["250", 250],
    ["250ms", 250],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1.5h", 5_400_000],
    [" 2s ", 2_000],
  ])("reads %s as %i ms", (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(["", "-1s", "1d", "s", "1e3"])("rejects %j", (text) => expect(parseDurationMs(text)).toBeUndefined());
});
