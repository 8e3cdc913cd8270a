// Exchange API key rotation without a restart, against the Bybit simulator (which checks every
// signature): the key pair lives in two secret files; a new key is created at the exchange and written
// to the files, execution tries it and signs with it from then on, the old key is deleted at the
// exchange and refused there, and orders and their stream reports keep flowing throughout. The key's
// age comes from the exchange's own record of its creation.
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SECURITY } from "../../../ops/security.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import type { RunningService } from "../../../services/shared/runtime.js";
import { restSignature, type ApiCredential } from "../../../tools/bybit-simulator/index.js";
import { envelopeOf, orderCommand, publish, startExecutionInProcess, startHarness, stopHarness, until, type Harness } from "./harness.js";

const DAY_MS = 86_400_000;
const OLD_KEY_AGE_MS = SECURITY.apiKeyRotationSeconds.value * 1_000 + 10 * DAY_MS; // overdue: the alert's case

let h: Harness;
let service: RunningService<"execution">;
let parts: ExecutionParts;
let keyFile: string;
let secretFile: string;
let oldKey: ApiCredential;
const newKey: ApiCredential = { apiKey: "titan-rotated-key", secret: "titan-rotated-secret-0123456789" };

const writePair = (pair: ApiCredential): void => {
  writeFileSync(keyFile, `${pair.apiKey}\n`, { mode: 0o600 });
  writeFileSync(secretFile, `${pair.secret}\n`, { mode: 0o600 });
};

const metric = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const found = service.ctx.metrics.registry.getSingleMetric(name);
  const values = found ? (await found.get()).values : [];
  return values.find((v) => Object.entries(labels).every(([k, value]) => String((v.labels as Record<string, unknown>)[k]) === value))?.value;
};
const ageSeconds = () => metric("titan_execution_api_key_age_seconds", { venue: "bybit" });
const reloads = async (outcome: string) => (await metric("titan_execution_api_key_reloads_total", { outcome })) ?? 0;

/** A market order from the bus to its fill; says how the fill reached the shadow state. */
const tradeOnce = async (symbol: string, side: "buy" | "sell"): Promise<string> => {
  const cmd = orderCommand(h, symbol, side, 2_000);
  await publish(h.redis, [envelopeOf("order-command", cmd)]);
  // The order's report and its fill's report are separate messages: wait for the fill itself.
  await until(async () => (await h.db.pool.query("SELECT 1 FROM execution.fills WHERE client_order_id = $1", [cmd.clientOrderId])).rowCount! > 0, 10_000, `order ${cmd.clientOrderId} to fill`);
  const command = (await h.db.pool.query<{ status: string }>("SELECT status FROM execution.order_commands WHERE client_order_id = $1", [cmd.clientOrderId])).rows[0];
  expect(command?.status).toBe("submitted");
  const fill = (await h.db.pool.query<{ source: string }>("SELECT source FROM execution.fills WHERE client_order_id = $1", [cmd.clientOrderId])).rows[0];
  return fill?.source ?? "none";
};

const privateSessions = () =>
  (h.sim.state().streams as unknown as { connections: { kind: string; apiKey: string | null; topics: string[] }[] }).connections.filter((c) => c.kind === "private");

/** A signed private request made by hand, as any client holding `pair` would. */
const signedRetCode = async (pair: ApiCredential): Promise<number> => {
  const query = "category=linear&settleCoin=USDT";
  const timestamp = String(Date.now());
  const res = await fetch(`${h.sim.url}/v5/position/list?${query}`, {
    headers: { "X-BAPI-API-KEY": pair.apiKey, "X-BAPI-TIMESTAMP": timestamp, "X-BAPI-RECV-WINDOW": "5000", "X-BAPI-SIGN": restSignature(pair.secret, timestamp, pair.apiKey, "5000", query) },
  });
  return ((await res.json()) as { retCode: number }).retCode;
};

beforeAll(async () => {
  h = await startHarness("exec_key_rotation", { seed: 23, rateLimits: false });
  oldKey = h.sim.credential;
  // The key in use was created long ago at the exchange.
  h.sim.core.addCredential(oldKey, Date.now() - OLD_KEY_AGE_MS);
  const dir = mkdtempSync(join(inject("scratchDir"), "bybit-keys-"));
  keyFile = join(dir, "api-key");
  secretFile = join(dir, "api-secret");
  writePair(oldKey);
  ({ service, parts } = await startExecutionInProcess(h, {
    TITAN_BYBIT_API_KEY: "",
    TITAN_BYBIT_API_SECRET: "",
    TITAN_BYBIT_API_KEY_FILE: keyFile,
    TITAN_BYBIT_API_SECRET_FILE: secretFile,
    TITAN_BYBIT_CREDENTIALS_CHECK_INTERVAL: "100ms",
    TITAN_EXECUTION_ORDER_TYPE: "market",
    // Fills then reach execution by the private stream only (polling runs while the stream is down).
    TITAN_EXECUTION_RECONCILE_INTERVAL: "1m",
  }));
});

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

describe("exchange API key rotation", () => {
  it("exports the age of the key in use as the exchange recorded its creation", async () => {
    // Asked at start, and at each check until the exchange answers (a busy machine may time the first one out).
    await until(async () => (await ageSeconds()) !== undefined, 5_000, "the key's age");
    const age = await ageSeconds();
    expect(age).toBeGreaterThan(SECURITY.apiKeyRotationSeconds.value);
    expect(age! * 1_000).toBeGreaterThanOrEqual(OLD_KEY_AGE_MS);
    expect(age! * 1_000).toBeLessThan(OLD_KEY_AGE_MS + 60_000);
    expect(await tradeOnce("BTCUSDT", "buy")).toBe("stream");
  });

  it("keeps the old key while the files hold a pair the exchange refuses", async () => {
    const stranger = { apiKey: "titan-unknown-key", secret: "not-a-secret-the-exchange-knows" };
    writePair(stranger);
    await until(async () => (await reloads("refused")) >= 1, 5_000, "the refused pair");
    expect(await reloads("applied")).toBe(0);
    expect(await tradeOnce("ETHUSDT", "buy")).toBe("stream");
  });

  it("signs with the new key once it is in the files, and keeps trading after the old key is deleted", async () => {
    h.sim.core.addCredential(newKey); // created at the exchange now
    // Written one file after the other, as an operator would: a key without its secret is never used.
    writeFileSync(keyFile, `${newKey.apiKey}\n`);
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(secretFile, `${newKey.secret}\n`);
    await until(async () => (await reloads("applied")) === 1, 5_000, "the new pair to be used");
    expect(await ageSeconds()).toBeLessThan(60);
    // The private stream authenticates again, with the new key, and subscribes again.
    await until(() => privateSessions().some((c) => c.apiKey === newKey.apiKey && c.topics.includes("execution")), 5_000, "a private stream on the new key");
    expect(privateSessions().filter((c) => c.apiKey === oldKey.apiKey)).toEqual([]);

    expect(h.sim.core.revokeCredential(oldKey.apiKey)).toBe(true);
    expect(await signedRetCode(oldKey)).toBe(10003);
    expect(await signedRetCode(newKey)).toBe(0);

    // Same process, no restart: REST orders and the private stream's reports work on the new key.
    expect(await tradeOnce("BTCUSDT", "sell")).toBe("stream");
    expect(await tradeOnce("SOLUSDT", "buy")).toBe("stream");
    expect(parts.venue.name).toBe("bybit");
    expect(privateSessions().map((c) => c.apiKey)).toEqual(privateSessions().map(() => newKey.apiKey));
    const commands = (await h.db.pool.query<{ status: string; n: number }>("SELECT status, count(*)::int AS n FROM execution.order_commands GROUP BY status")).rows;
    expect(commands).toEqual([{ status: "submitted", n: 4 }]);
  });
});
