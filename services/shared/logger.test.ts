import { describe, expect, it } from "vitest";
import { createLogger, isSecretKey, maskSecretsInText, redactSecrets } from "./logger.js";

/** An in-memory destination: every line pino writes, parsed. */
function memoryLogger(level: "info" | "debug" = "info") {
  const chunks: string[] = [];
  const logger = createLogger({ service: "brain", level, instanceId: "host-1", destination: { write: (chunk: string) => void chunks.push(chunk) } });
  return { logger, text: () => chunks.join(""), lines: () => chunks.join("").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const SECRETS = {
  password: "pw-top-level-1",
  nestedPassword: "pw-nested-2",
  deepToken: "tok-deep-3",
  apiKey: "bybit-key-4",
  apiSecret: "bybit-secret-5",
  bearer: "bearer-abc-6",
  cookie: "sid=cookie-7",
  bapiSign: "sign-8",
  privateKey: "-----BEGIN PRIVATE KEY-----9",
  dbPassword: "db-hunter2-10",
  envSecret: "service-token-secret-11",
  errPassword: "redis-pw-12",
  childToken: "child-token-13",
  messagePassword: "msg-pw-14",
};

describe("createLogger", () => {
  it("writes JSON lines with the service, instance, an ISO time and the level's name", () => {
    const { logger, lines } = memoryLogger();
    logger.info({ symbol: "BTC/USDT:USDT" }, "started");
    const [line] = lines();
    expect(line).toMatchObject({ service: "brain", instanceId: "host-1", level: "info", msg: "started", symbol: "BTC/USDT:USDT" });
    expect(String(line?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("never writes a secret value, wherever it appears, and keeps the fields around it", () => {
    const { logger, text, lines } = memoryLogger();
    const original = {
      password: SECRETS.password,
      user: { name: "alice", password: SECRETS.nestedPassword },
      exchange: { credentials: { session: { accessToken: SECRETS.deepToken } }, apiKey: SECRETS.apiKey, api_secret: SECRETS.apiSecret },
      req: {
        method: "POST",
        url: "/api/brain/breaker/reset",
        headers: { authorization: `Bearer ${SECRETS.bearer}`, cookie: SECRETS.cookie, "x-bapi-sign": SECRETS.bapiSign, "content-type": "application/json" },
      },
      privateKey: SECRETS.privateKey,
      databaseUrl: `postgres://titan:${SECRETS.dbPassword}@127.0.0.1:5432/titan`,
      config: { TITAN_SERVICE_TOKEN_SECRET: SECRETS.envSecret, TITAN_HTTP_PORT: 3100 },
      list: [{ token: SECRETS.deepToken, id: "tok-1" }],
    };
    logger.info(original, "request");
    logger.error({ err: new Error(`connect to redis://default:${SECRETS.errPassword}@cache:6379 failed`) }, "redis down");
    logger.child({ sessionToken: SECRETS.childToken, operator: "alice" }).warn("child");
    logger.info(`login failed for postgres://titan:${SECRETS.messagePassword}@db/titan`);

    const output = text();
    for (const [name, secret] of Object.entries(SECRETS)) expect(output, `${name} leaked`).not.toContain(secret);

    const [request, failure, child, message] = lines();
    expect(request).toMatchObject({
      msg: "request",
      password: "[REDACTED]",
      user: { name: "alice", password: "[REDACTED]" },
      exchange: { credentials: { session: { accessToken: "[REDACTED]" } }, apiKey: "[REDACTED]", api_secret: "[REDACTED]" },
      req: { method: "POST", url: "/api/brain/breaker/reset", headers: { authorization: "[REDACTED]", cookie: "[REDACTED]", "x-bapi-sign": "[REDACTED]", "content-type": "application/json" } },
      databaseUrl: "postgres://titan:***@127.0.0.1:5432/titan",
      config: { TITAN_SERVICE_TOKEN_SECRET: "[REDACTED]", TITAN_HTTP_PORT: 3100 },
      list: [{ token: "[REDACTED]", id: "tok-1" }],
    });
    expect(failure).toMatchObject({ level: "error", msg: "redis down", err: { type: "Error", message: "connect to redis://default:***@cache:6379 failed" } });
    expect(String((failure?.err as { stack?: string }).stack)).toContain("redis://default:***@cache");
    expect(child).toMatchObject({ sessionToken: "[REDACTED]", operator: "alice", msg: "child" });
    expect(message).toMatchObject({ msg: "login failed for postgres://titan:***@db/titan" });

    // The caller's objects are left as they were.
    expect(original.user.password).toBe(SECRETS.nestedPassword);
  });

  it("masks an error logged on its own", () => {
    const { logger, text, lines } = memoryLogger();
    logger.error(new Error(`bad url postgres://u:${SECRETS.dbPassword}@db/x`));
    expect(text()).not.toContain(SECRETS.dbPassword);
    expect(lines()[0]).toMatchObject({ level: "error" });
  });

  it("respects the level", () => {
    const { logger, lines } = memoryLogger("info");
    logger.debug("hidden");
    logger.info("shown");
    expect(lines().map((l) => l.msg)).toEqual(["shown"]);
  });
});

describe("redaction helpers", () => {
  it.each(["password", "DB_PASSWORD", "passwd", "secret", "apiSecret", "token", "accessToken", "apiKey", "api_key", "X-BAPI-API-KEY", "x-bapi-sign", "Authorization", "set-cookie", "privateKey", "passphrase"])(
    "treats %s as secret",
    (key) => expect(isSecretKey(key)).toBe(true),
  );

  it.each(["tokenSource", "tokens", "tokenId", "name", "url", "symbol", "keyCount"])("leaves %s alone", (key) => expect(isSecretKey(key)).toBe(false));

  it("masks URL passwords and bearer tokens inside text", () => {
    expect(maskSecretsInText("rediss://:p4ss@cache:6380/0 and postgres://u@db/x")).toBe("rediss://:***@cache:6380/0 and postgres://u@db/x");
    expect(maskSecretsInText("Authorization: Bearer abc.def-ghi")).toBe("Authorization: Bearer [REDACTED]");
  });

  it("handles cycles and very deep values without throwing", () => {
    const cyclic: Record<string, unknown> = { name: "a" };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toEqual({ name: "a", self: "[Circular]" });
    let deep: Record<string, unknown> = { password: "x" };
    for (let i = 0; i < 20; i += 1) deep = { next: deep };
    expect(JSON.stringify(redactSecrets(deep))).not.toContain('"x"');
  });
});
