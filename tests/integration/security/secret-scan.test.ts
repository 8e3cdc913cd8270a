// Secrets never reach logs, metrics, error bodies or command output. The services run as child
// processes (their real stdout and stderr, at log level trace) with known secret values: the service
// token secret, database and Redis passwords (in their URLs and in their own variables), an operator's
// API token, and Bybit API keys against the Bybit simulator — once right, once with a wrong secret,
// whose refusals Bybit words with the key in them. Every line, every /metrics body and every answer is
// searched for each value; so is the output of a service refusing a bad configuration, of a service
// failing to start, and of titanctl failing.
import { spawnSync } from "node:child_process";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiToken, parseApiToken } from "../../../services/shared/auth/index.js";
import { systemClock } from "../../../services/shared/clock.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";
import { repoRoot } from "../../support/child-process.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";
import { findLeaks, knownSecret, spawnCaptured, type CapturedChild, type Leak } from "./secrets.js";

const SECRETS = {
  serviceTokenSecret: knownSecret("svcTokenSecret"),
  databasePassword: knownSecret("dbPassword"),
  redisPassword: knownSecret("redisPassword"),
  bybitApiKey: knownSecret("bybitKey"),
  bybitApiSecret: knownSecret("bybitSecret"),
  wrongBybitSecret: knownSecret("bybitWrong"),
};
/** Filled in once the token is issued: only its secret part; the token id is public. */
const scanned: Record<string, string> = { ...SECRETS };

const leaks: Leak[] = [];
const scan = (where: string, text: string): void => void leaks.push(...findLeaks(where, text, scanned));

const withPasswords = (url: string, password: string): string => {
  const u = new URL(url);
  u.password = password;
  return u.toString();
};

/** A service's environment with every secret set, in the URL and in its own variable. */
const secretEnv = (service: "brain" | "execution" | "scavenger", db: TestDatabase, extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const base = serviceEnv(service, db);
  return {
    ...base,
    TITAN_LOG_LEVEL: "trace",
    TITAN_DATABASE_URL: withPasswords(String(base.TITAN_DATABASE_URL), SECRETS.databasePassword),
    TITAN_DATABASE_PASSWORD: SECRETS.databasePassword,
    TITAN_REDIS_URL: withPasswords(db.redisUrl, SECRETS.redisPassword),
    TITAN_SERVICE_TOKEN_SECRET: SECRETS.serviceTokenSecret,
    ...extra,
  };
};

interface RunningChild {
  readonly name: string;
  readonly child: CapturedChild;
  readonly port: number;
}

let sim: BybitSimulator;
let db: TestDatabase;
let apiToken: string;
const children: RunningChild[] = [];

const start = async (name: string, script: string, env: NodeJS.ProcessEnv): Promise<RunningChild> => {
  const port = await getPort();
  const child = spawnCaptured(script, [], { ...env, TITAN_HTTP_PORT: String(port) });
  const running = { name, child, port };
  children.push(running);
  // The runtime's own line, written once the workers run (Fastify's "Server listening" comes earlier).
  await child.waitFor(/"msg":"(brain|execution|scavenger) listening"/, 60_000);
  return running;
};

/** Requests that answer with bodies: reads, refusals of every kind, the docs and the metrics. */
const exercise = async (c: RunningChild, paths: readonly string[]): Promise<void> => {
  const base = `http://127.0.0.1:${c.port}`;
  const tampered = `${apiToken.slice(0, -4)}AAAA`;
  const requests: Array<[string, RequestInit]> = [
    ["/health/live", {}],
    ["/health/ready", {}],
    ["/metrics", {}],
    ["/docs/json", {}],
    ["/no-such-route", {}],
    ...paths.map((p): [string, RequestInit] => [p, { headers: { authorization: `Bearer ${apiToken}` } }]),
    ...paths.map((p): [string, RequestInit] => [p, { headers: { authorization: `Bearer ${tampered}` } }]),
    ...paths.map((p): [string, RequestInit] => [p, {}]),
    ["/halt", { method: "POST", headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" }, body: "{not json" }],
    ["/phases", { method: "POST", headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" }, body: JSON.stringify({ phase: 9 }) }],
    ["/config/versions", { method: "POST", headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" }, body: JSON.stringify({ parameters: { maxLeverage: -1 }, reason: "scan" }) }],
  ];
  for (const [path, init] of requests) {
    const res = await fetch(`${base}${path}`, init).catch((err: unknown) => {
      throw new Error(`${c.name} ${path}: ${(err as Error).message}\n${c.child.output().slice(-4_000)}`);
    });
    scan(`${c.name} ${init.method ?? "GET"} ${path} → ${res.status} (headers)`, JSON.stringify([...res.headers]));
    scan(`${c.name} ${init.method ?? "GET"} ${path} → ${res.status} (body)`, await res.text());
  }
};

beforeAll(async () => {
  db = await withTestDatabase("secretscan");
  await provisionTestDatabase(db);
  const wrongDb = await withTestDatabase("secretscan_wrong");
  await provisionTestDatabase(wrongDb);
  const admin = createDatabase({ url: db.url, applicationName: "secret-scan" });
  const issued = await admin.transaction((tx) =>
    issueApiToken(tx, { name: "scan", role: "admin", scopes: [], ttlSeconds: 3_600 }, { clock: systemClock, actor: { kind: "system", id: "test", name: "secret scan" }, service: "console" }),
  );
  await admin.close();
  apiToken = issued.token;
  scanned.apiTokenSecret = parseApiToken(apiToken)?.secret ?? apiToken;

  sim = await startBybitSimulator({ seed: 3, credentials: [{ apiKey: SECRETS.bybitApiKey, secret: SECRETS.bybitApiSecret }] });
  const bybit = (secret: string): Record<string, string> => ({
    TITAN_EXECUTION_VENUE: "bybit",
    TITAN_BYBIT_API_KEY: SECRETS.bybitApiKey,
    TITAN_BYBIT_API_SECRET: secret,
    TITAN_BYBIT_REST_URL: sim.url,
    TITAN_BYBIT_WS_URL: sim.wsUrl,
    TITAN_BYBIT_TIMEOUT: "10s",
    TITAN_EXECUTION_RECONCILE_INTERVAL: "1s",
  });
  await start("brain", "services/brain/main.ts", secretEnv("brain", db));
  await start("scavenger", "services/scavenger/main.ts", secretEnv("scavenger", db));
  await start("execution", "services/execution/main.ts", secretEnv("execution", db, bybit(SECRETS.bybitApiSecret)));
  // Bybit refuses this one's signatures ("error sign! origin_string[...]"), which is where a key can slip into a log line.
  await start("execution-wrong-secret", "services/execution/main.ts", secretEnv("execution", wrongDb, { ...bybit(SECRETS.wrongBybitSecret), TITAN_INSTANCE_ID: "execution-wrong" }));
}, 180_000);

afterAll(async () => {
  for (const c of children) await c.child.terminate();
  await sim?.stop();
}, 60_000);

describe("secrets in the output of failing commands", () => {
  const run = (args: readonly string[], env: Record<string, string>) => {
    const res = spawnSync(process.execPath, args, { cwd: repoRoot, env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 60_000 });
    return { status: res.status, output: `${res.stdout}${res.stderr}` };
  };

  it("a service refusing its configuration names each problem without echoing a value", () => {
    const res = run(["--import", "tsx", "services/execution/main.ts"], {
      TITAN_DATABASE_URL: `mysql://titan:${SECRETS.databasePassword}@127.0.0.1/titan`,
      TITAN_REDIS_URL: `redis://:${SECRETS.redisPassword}@127.0.0.1:notaport/0`,
      TITAN_SERVICE_TOKEN_SECRET: SECRETS.serviceTokenSecret.slice(0, 20), // too short: refused, and still a secret
      TITAN_EXECUTION_VENUE: "bybit",
      TITAN_BYBIT_API_KEY: SECRETS.bybitApiKey.repeat(10), // too long
      TITAN_BYBIT_API_SECRET: SECRETS.bybitApiSecret,
      TITAN_HTTP_PORT: "not-a-port",
    });
    expect(res.status).toBe(1);
    expect(res.output).toMatch(/TITAN_DATABASE_URL/);
    expect(res.output).toMatch(/TITAN_SERVICE_TOKEN_SECRET/);
    expect(findLeaks("config refusal", res.output, { ...SECRETS, shortTokenSecret: SECRETS.serviceTokenSecret.slice(0, 20) })).toEqual([]);
  });

  it("a service that cannot reach its database says so without the password", async () => {
    const closedPort = await getPort();
    const res = run(["--import", "tsx", "services/brain/main.ts"], {
      TITAN_DATABASE_URL: `postgres://titan_brain:${SECRETS.databasePassword}@127.0.0.1:${closedPort}/titan`,
      TITAN_DATABASE_PASSWORD: SECRETS.databasePassword,
      TITAN_REDIS_URL: `redis://:${SECRETS.redisPassword}@127.0.0.1:${closedPort}/0`,
      TITAN_SERVICE_TOKEN_SECRET: SECRETS.serviceTokenSecret,
      TITAN_HTTP_PORT: "0",
      TITAN_LOG_LEVEL: "trace",
    });
    expect(res.status).toBe(1);
    expect(res.output).toMatch(/ECONNREFUSED|connect/);
    expect(findLeaks("start failure", res.output, SECRETS)).toEqual([]);
  });

  it("titanctl failing to reach Titan, or refused by it, does not print its token", async () => {
    const closedPort = await getPort();
    const unreachable = run(["bin/titanctl.mjs", "whoami"], { TITAN_API_URL: `http://127.0.0.1:${closedPort}`, TITAN_TOKEN: apiToken, TITAN_STATE_DIR: "/nonexistent" });
    expect(unreachable.status).not.toBe(0);
    const brain = children.find((c) => c.name === "brain")!;
    const refused = run(["bin/titanctl.mjs", "state"], { TITAN_API_URL: `http://127.0.0.1:${brain.port}`, TITAN_TOKEN: `${apiToken.slice(0, -4)}AAAA`, TITAN_STATE_DIR: "/nonexistent" });
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/HTTP 4\d\d/);
    expect(findLeaks("titanctl", `${unreachable.output}\n${refused.output}`, scanned)).toEqual([]);
  });
});

describe("secrets in a running system", () => {
  it("never appear in a log line, a /metrics body, an answer's headers or body, from start to shutdown", async () => {
    const byService: Record<string, readonly string[]> = {
      brain: ["/status", "/decisions?limit=5", "/allocation", "/breaker", "/treasury"],
      scavenger: ["/status", "/traps", "/config/versions", "/config/active"],
      execution: ["/positions", "/orders", "/reconciliation", "/trading-state"],
      "execution-wrong-secret": ["/positions", "/reconciliation", "/trading-state"],
    };
    for (const c of children) await exercise(c, byService[c.name] ?? []);
    // A server error for real: the brain loses its right to read its decisions, as after a botched migration.
    const brain = children.find((c) => c.name === "brain")!;
    await db.pool.query("REVOKE SELECT ON brain.decisions FROM titan_brain");
    try {
      const failed = await fetch(`http://127.0.0.1:${brain.port}/decisions?limit=5`, { headers: { authorization: `Bearer ${apiToken}` } });
      expect(failed.status).toBe(500);
      scan("brain 500 (body)", await failed.text());
    } finally {
      await db.pool.query("GRANT SELECT ON brain.decisions TO titan_brain");
    }
    // Let the wrong-secret execution meet Bybit's refusals a few times (reconciliation runs every second).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const c of children) {
      const res = await fetch(`http://127.0.0.1:${c.port}/metrics`);
      scan(`${c.name} /metrics`, await res.text());
    }
    for (const c of children) {
      await c.child.terminate();
      scan(`${c.name} output (stdout and stderr)`, c.child.output());
    }
    // The scan saw real traffic: the wrong secret was refused by Bybit, and the logs name the token id.
    const wrong = children.find((c) => c.name === "execution-wrong-secret")!.child.output();
    expect(wrong, "the wrong-secret execution never talked to the venue").toMatch(/sign|10004|authentic/i);
    expect(children.every((c) => c.child.output().length > 1_000)).toBe(true);
    expect(brain.child.output(), "the brain logged its server error").toMatch(/"level":"error".*permission denied/);
    expect(leaks, leaks.map((l) => `${l.secret} in ${l.where}: ${l.context}`).join("\n")).toEqual([]);
  }, 120_000);
});
