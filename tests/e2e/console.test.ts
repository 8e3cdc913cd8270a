// The console in a browser (headless Chromium through playwright-core) against a whole local stack of
// its own over TLS (scratch state folder, ports offset), the AI Quant API among its PM2 apps: the first
// admin sets up with the 0600 setup code and logs in with TOTP; a position appears and updates live;
// flatten all from the page brings the paper venue to zero; approving a proposal moves the scavenger to
// a new parameter version; a viewer sees no emergency control and the API refuses one (403).
// Screenshots go to build/test-artifacts/console/.
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stackPorts, type StackPorts } from "../../scripts/stack/ports.js";
import { isPortFree } from "../../scripts/stack/processes.js";
import { REPO_DIR } from "../../scripts/stack/state.js";
import { storeProposal } from "../../services/ai-quant/adapters/proposal-store.js";
import { judge } from "../../services/ai-quant/domain/acceptance.js";
import { buildProposal } from "../../services/ai-quant/domain/proposal.js";
import { runWalkForward } from "../../services/ai-quant/domain/walk-forward.js";
import { TOTP_PERIOD_SECONDS, totpCode } from "../../services/console/domain/totp.js";
import { systemClock } from "../../services/shared/clock.js";
import { clientOrderIdFor } from "../../services/brain/domain/index.js";
import { makeEnvelope, streamOf, type Envelope, type MessageOf } from "../../services/shared/contracts/index.js";
import { createDatabase } from "../../services/shared/db/database.js";
import { encodeEntryFields } from "../../services/shared/messaging/index.js";
import { CURRENT, EDGE, scenario } from "../integration/ai-quant/scenario.js";
import { runCommand } from "../support/child-process.js";

const TSX = join(REPO_DIR, "node_modules", ".bin", "tsx");
const ARTIFACTS = join(REPO_DIR, "build", "test-artifacts", "console");
const CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const PASSWORD = "correct horse battery staple";
const startedMs = Date.now();
const log = (line: string): void => void process.stdout.write(`[console-e2e ${((Date.now() - startedMs) / 1000).toFixed(0)} s] ${line}\n`);

let stackDir: string;
let ports: StackPorts;
let env: NodeJS.ProcessEnv;
let browser: Browser;
let redis: Redis;
let baseUrl: string;

const run = (cmd: string, args: string[], timeoutMs: number) => runCommand(cmd, args, env, timeoutMs);

const stack = (command: "up" | "down", timeoutMs = 300_000) => run(TSX, ["scripts/stack.ts", command, ...(command === "up" ? ["--timeout", "180"] : [])], timeoutMs);

const waitFor = async <T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 500): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (last error: ${(last as Error).message})` : ""}`);
};

/** Plays the authenticator app: a code for a step later than any used before (codes are accepted once). */
const authenticator = (secret: string) => {
  let lastStep = -1;
  return async (): Promise<string> => {
    for (;;) {
      const next = Math.floor(Date.now() / 1000 / TOTP_PERIOD_SECONDS) + 1; // one step ahead is within the window
      if (next > lastStep) {
        lastStep = next;
        return totpCode(secret, next * TOTP_PERIOD_SECONDS * 1000);
      }
      await sleep(1_000);
    }
  };
};

const shot = async (page: Page, name: string): Promise<void> => {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
};

/** The page's own API helper (session cookie + CSRF header), as its forms use it. */
const pageApi = <T>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> =>
  page.evaluate(
    async ([m, p, b]) => {
      // Runs in the page (no DOM types here): the CSRF token the server put in the page's meta tag.
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document;
      const csrf = doc.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";
      const res = await fetch(p as string, { method: m as string, headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: b === undefined ? undefined : JSON.stringify(b) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    [method, path, body] as const,
  ) as Promise<{ status: number; body: T }>;

/** A GET through the entry point from the page, with a bearer token (another service's API behind NGINX). */
const pageGet = <T>(page: Page, path: string, token: string): Promise<{ status: number; body: T }> =>
  page.evaluate(
    async ([p, t]) => {
      const res = await fetch(p as string, { headers: { authorization: `Bearer ${t as string}` }, credentials: "omit" });
      return { status: res.status, body: await res.json() };
    },
    [path, token] as const,
  ) as Promise<{ status: number; body: T }>;

const newContext = (): Promise<BrowserContext> => browser.newContext({ baseURL: baseUrl, ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });

const lastPrice = async (symbol: string): Promise<number> => {
  const entries = (await redis.xrevrange(streamOf("market-ticker"), "+", "-", "COUNT", 300)) as Array<[string, string[]]>;
  for (const [, fields] of entries) {
    const envelope = JSON.parse(fields[fields.indexOf("env") + 1] as string) as { payload: MessageOf<"market-ticker"> };
    if (envelope.payload.symbol === symbol && envelope.payload.marketType === "linear") return envelope.payload.lastPriceUsd;
  }
  throw new Error(`no ticker for ${symbol} yet`);
};

/** A strategy's signal, as the scavenger would publish it, around the market price. */
const publishSignal = async (symbol: string): Promise<string> => {
  const p = await lastPrice(symbol);
  const signal: MessageOf<"signal"> = {
    version: 1,
    signalId: randomUUID(),
    phase: 1,
    symbol,
    side: "long",
    requestedNotionalUsd: 150,
    leverage: 5,
    entryZone: { lowPriceUsd: p * 0.999, highPriceUsd: p * 1.001 },
    stopLossPriceUsd: p * 0.97,
    takeProfits: [{ priceUsd: p * 1.05, fraction: 1 }],
    confidence: 90,
    trapType: "volume-cluster",
    triggerPriceUsd: p,
    tsMs: Date.now(),
  };
  await redis.xadd(streamOf("signal"), "*", ...encodeEntryFields(makeEnvelope("signal", signal, { source: "scavenger", clock: systemClock })));
  return signal.signalId;
};

/** What became of a signal: the brain's decision on the bus, and execution's reports for its order. */
const signalOutcome = async (signalId: string): Promise<string> => {
  const latest = async (type: "decision" | "execution-report") =>
    ((await redis.xrevrange(streamOf(type), "+", "-", "COUNT", 500)) as Array<[string, string[]]>).map(([, fields]) => JSON.parse(fields[fields.indexOf("env") + 1] ?? "{}") as Envelope);
  const decision = (await latest("decision")).find((e) => e.type === "decision" && e.payload.signalId === signalId);
  if (!decision || decision.type !== "decision") return "not decided yet";
  const verdict = decision.payload.outcome === "vetoed" ? `vetoed (${decision.payload.reason}: ${decision.payload.detail})` : "approved";
  const reports = (await latest("execution-report")).filter((e) => e.type === "execution-report" && e.payload.clientOrderId === clientOrderIdFor(signalId));
  return `${verdict}; execution: ${reports.map((r) => (r.type === "execution-report" ? `${r.payload.status}${r.payload.rejectReason ? ` (${r.payload.rejectReason})` : ""}` : "")).join(", ") || "no report yet"}`;
};

/**
 * Sends a fresh signal until `done` holds: on a busy machine one signal can miss (its entry zone left
 * behind by the market, or too old when it arrives); each miss is reported with its outcome.
 */
const tradeUntil = async (what: string, done: () => Promise<boolean>, attempts = 5, waitMs = 12_000): Promise<void> => {
  const misses: string[] = [];
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const signalId = await publishSignal("BTCUSDT");
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (await done()) {
        if (misses.length > 0) log(`${what}: took ${attempt + 1} signals; missed: ${misses.join(" | ")}`);
        return;
      }
      await sleep(250);
    }
    misses.push(`${signalId}: ${await signalOutcome(signalId)}`);
  }
  throw new Error(`${what}: not after ${attempts} signals: ${misses.join(" | ")}`);
};

/** An app's environment exactly as the stack's PM2 ecosystem gives it (so this test follows the stack's TLS, ports and secrets). */
const stackAppEnv = (app: string, offset: number): Record<string, string> => {
  const require = createRequire(import.meta.url);
  const file = join(REPO_DIR, "ecosystem.config.cjs");
  const keys = ["TITAN_STACK_MANAGED", "TITAN_STATE_DIR", "TITAN_STACK_PORT_OFFSET"] as const;
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  Object.assign(process.env, { TITAN_STACK_MANAGED: "1", TITAN_STATE_DIR: stackDir, TITAN_STACK_PORT_OFFSET: String(offset) });
  try {
    delete require.cache[require.resolve(file)];
    const apps = (require(file) as { apps: Array<{ name: string; env: Record<string, string> }> }).apps;
    const found = apps.find((a) => a.name === app);
    if (!found) throw new Error(`no ${app} in the ecosystem`);
    return { ...found.env };
  } finally {
    for (const k of keys) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
};

/** GET over HTTP or HTTPS (trusting the stack's CA): the status only. */
const statusOf = (url: string): Promise<number> =>
  url.startsWith("https:")
    ? new Promise((resolve, reject) => {
        const req = httpsRequest(url, { ca: readFileSync(join(stackDir, "ca", "ca.crt")) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      })
    : fetch(url).then((r) => r.status);

let quantEnv: Record<string, string>;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const parent = mkdtempSync(join(inject("scratchDir"), "console-e2e-"));
  chmodSync(parent, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
  stackDir = join(parent, ".titan");
  let offset: number | undefined;
  for (const candidate of [2700, 3700, 4700, 5700, 6700, 7700]) {
    if ((await Promise.all(Object.values(stackPorts(candidate)).map(isPortFree))).every(Boolean)) {
      offset = candidate;
      break;
    }
  }
  if (offset === undefined) throw new Error("no free port range for the stack under test");
  ports = stackPorts(offset);
  // The AI Quant API's environment as the ecosystem gives it: this test writes its proposal as ai-quant.
  quantEnv = stackAppEnv("ai-quant-api", offset);
  env = { ...process.env, TITAN_STACK_DIR: stackDir, TITAN_STACK_PORT_OFFSET: String(offset), TITAN_STATE_DIR: stackDir };
  if (process.env.TITAN_E2E_SKIP_BUILD !== "1") {
    const build = await run("npm", ["run", "build"], 600_000);
    expect(build.code, build.output).toBe(0);
    log("built");
  }
  const up = await stack("up");
  // The nightly ai-quant job may fail its first run on a fresh stack (it can start before the scavenger
  // has granted it read access); this test needs the services and the AI Quant API, not the job's run.
  const quantJobOnly = /Titan is NOT fully up after [\d.]+ s: ai-quant failed/.test(up.output);
  if (quantJobOnly) log("the ai-quant job's first run failed on the fresh stack (not what this test checks)");
  expect(up.code === 0 || quantJobOnly, up.output).toBe(true);
  log(`stack up in ${stackDir}, ports offset by ${offset}`);
  await waitFor("the stack's AI Quant API", async () => (await statusOf(`https://127.0.0.1:${ports.aiQuantApi}/health/ready`)) === 200, 60_000);
  const redisUrl = quantEnv.TITAN_REDIS_URL as string;
  redis = new Redis(redisUrl, redisUrl.startsWith("rediss:") ? { tls: { ca: readFileSync(join(stackDir, "ca", "ca.crt")) } } : {});
  baseUrl = `https://localhost:${ports.nginxHttps}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  redis?.disconnect();
  if (stackDir) await stack("down", 180_000);
}, 240_000);

describe("the console in a browser, over TLS, against a local stack", () => {
  let admin: Page;
  let adminCode: () => Promise<string>;

  it("lets the first admin set up with the setup code and log in with TOTP", async () => {
    const setupCode = readFileSync(join(stackDir, "secrets", "console-setup-code"), "utf8").trim();
    admin = await (await newContext()).newPage();
    await admin.goto("/");
    expect(new URL(admin.url()).pathname).toBe("/login");
    await admin.goto("/setup");
    await admin.fill("#setup-begin input[name=code]", setupCode);
    await admin.click("#setup-begin button");
    await admin.waitForSelector("#setup-complete:not([hidden])");
    const secret = (await admin.textContent("#totp-secret")) ?? "";
    adminCode = authenticator(secret);
    await admin.fill("#setup-complete input[name=username]", "alice");
    await admin.fill("#setup-complete input[name=password]", PASSWORD);
    await admin.fill("#setup-complete input[name=totpCode]", await adminCode());
    await admin.click("#setup-complete button");
    await admin.waitForURL("**/login", { timeout: 15_000 });
    await admin.fill("#login input[name=username]", "alice");
    await admin.fill("#login input[name=password]", PASSWORD);
    await admin.fill("#login input[name=otp]", await adminCode());
    await admin.click("#login button");
    await admin.waitForURL(`${baseUrl}/`);
    await admin.waitForSelector("#live-status[data-state=live]", { timeout: 15_000 });
    await admin.waitForSelector('[data-view="health"] table');
    const cookies = await admin.context().cookies();
    expect(cookies.find((c) => c.name === "__Host-titan_session")).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict" });
    await shot(admin, "01-overview-admin");
    log("admin logged in with TOTP");
  }, 120_000);

  it("shows a viewer no emergency control, and the API refuses the viewer one (403)", async () => {
    await admin.goto("/users");
    await admin.fill("#invite input[name=username]", "victor");
    await admin.selectOption("#invite select[name=role]", "viewer");
    await admin.click("#invite button");
    const code = (await (await admin.waitForSelector("#invite code.secret")).textContent()) ?? "";
    const viewer = await (await newContext()).newPage();
    await viewer.goto("/setup");
    await viewer.fill("#setup-begin input[name=code]", code);
    await viewer.click("#setup-begin button");
    await viewer.waitForSelector("#setup-complete:not([hidden])");
    await viewer.fill("#setup-complete input[name=password]", "viewer's own long password");
    await viewer.click("#setup-complete button");
    await viewer.waitForURL("**/login", { timeout: 15_000 });
    await viewer.fill("#login input[name=username]", "victor");
    await viewer.fill("#login input[name=password]", "viewer's own long password");
    await viewer.click("#login button");
    await viewer.waitForURL(`${baseUrl}/`);
    await viewer.waitForSelector('[data-view="account"] table, [data-view="account"] .error');
    for (const path of ["/", "/breaker", "/positions", "/proposals"]) {
      await viewer.goto(path);
      expect(await viewer.locator("form[data-control]").count(), path).toBe(0);
      expect(await viewer.locator("#proposal-decision").count(), path).toBe(0);
    }
    await viewer.goto("/");
    await shot(viewer, "02-overview-viewer");
    const refused = await pageApi<{ detail: string }>(viewer, "POST", "/api/controls/flatten", { confirmation: "FLATTEN ALL", reason: "a viewer tries", totpCode: "123456" });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/operator role/);
    expect((await viewer.goto("/users"))?.status()).toBe(403);
    await viewer.context().close();
    log("viewer: no controls, 403 from the API");
  }, 120_000);

  it("shows a position appear and update live, without reloading the page", async () => {
    await admin.goto("/positions");
    await admin.waitForSelector("#live-status[data-state=live]", { timeout: 15_000 });
    await admin.evaluate(() => ((globalThis as unknown as { stillThisPage: boolean }).stillThisPage = true));
    await waitFor("a BTCUSDT ticker", () => lastPrice("BTCUSDT"), 60_000);
    const row = admin.locator('[data-view="positions"] tr[data-key="BTCUSDT"]');
    const qty = async (): Promise<number> => ((await row.isVisible()) ? Number(await row.locator('td[data-col="Qty"]').textContent()) : 0);
    await tradeUntil("a BTCUSDT position on the page", async () => (await qty()) > 0);
    const firstQty = await qty();
    expect(firstQty).toBeGreaterThan(0);
    await shot(admin, "03-position-opened");
    await tradeUntil("the position's quantity to grow on the page", async () => (await qty()) > firstQty);
    expect(await admin.evaluate(() => (globalThis as unknown as { stillThisPage?: boolean }).stillThisPage)).toBe(true);
    await shot(admin, "04-position-updated");
    log(`position opened at ${firstQty} and grew live`);
  }, 150_000);

  it("flattens all from the page: typed confirmation, reason, step-up code; the paper venue reaches zero", async () => {
    await admin.goto("/");
    const form = admin.locator('form[data-control="flatten"]');
    await form.locator("input[name=confirmation]").fill("FLATTEN ALL");
    await form.locator("input[name=reason]").fill("end-to-end drill: flatten all");
    await form.locator("input[name=totpCode]").fill(await adminCode());
    await form.locator("button").click();
    const output = form.locator("output");
    await waitFor("the flatten's outcome", async () => ["ok", "error"].includes((await output.getAttribute("data-kind")) ?? ""), 60_000);
    expect(await output.textContent()).toMatch(/^done \(200\)/);
    const flattenedAtMs = Date.now();
    await shot(admin, "05-flattened");
    const positions = await pageApi<{ positions: { ok: boolean; data: { positions: Array<{ qty: number }> } } }>(admin, "GET", "/api/views/positions");
    expect(positions.body.positions.ok).toBe(true);
    expect(positions.body.positions.data.positions.every((p) => p.qty === 0)).toBe(true);
    // Execution's reconciliation compares with the venue's own positions: clean, and flat.
    const token = (await pageApi<{ token: string }>(admin, "POST", "/api/auth/tokens", { name: "e2e reader", role: "viewer", scopes: [], ttlSeconds: 600 })).body.token;
    const reconciled = await waitFor(
      "a clean reconciliation after the flatten",
      async () => {
        const res = await pageGet<{ lastRun: { outcome: string; finishedAtMs: number } | null }>(admin, "/api/execution/reconciliation", token);
        const body = res.body;
        return body.lastRun && body.lastRun.outcome === "clean" && body.lastRun.finishedAtMs > flattenedAtMs ? body.lastRun : null;
      },
      60_000,
      1_000,
    );
    expect(reconciled.outcome).toBe("clean");
    await admin.goto("/positions");
    await admin.waitForSelector('[data-view="positions"] p.muted:has-text("no open position")', { timeout: 15_000 });
    await shot(admin, "06-positions-flat");
    log("flattened; the venue is flat and reconciliation is clean");
  }, 150_000);

  it("approves an AI Quant proposal, and the scavenger's active version changes", async () => {
    const versions = await pageApi<{ versions: { ok: boolean; data: { activeVersion: number } } }>(admin, "GET", "/api/views/proposals");
    const base = versions.body.versions.data.activeVersion;
    const quantDb = createDatabase({ url: quantEnv.TITAN_DATABASE_URL as string, password: readFileSync(quantEnv.TITAN_DATABASE_PASSWORD_FILE as string, "utf8").trim(), applicationName: "console-e2e" });
    try {
      const { settings, inputs, period } = scenario(3, EDGE, 1);
      const wf = runWalkForward(CURRENT, inputs, period, settings);
      const draft = buildProposal(CURRENT, base, wf, judge(wf, settings.acceptance), settings, { source: "synthetic", symbols: ["TRAPUSDT"], tapeTrades: 1, recordedKlines: 0, live: null, fees: "settings", notes: [] });
      expect(await storeProposal(quantDb, draft, null, systemClock)).toBe(true);
      await admin.goto("/proposals");
      await admin.locator(`button[data-proposal="${draft.proposalId}"]`).click();
      const decision = admin.locator("#proposal-decision");
      await decision.locator("input[name=reason]").fill("end-to-end: beats the current version out of sample");
      await admin.locator('#proposal-decision button[value="approve"]').click();
      const outcome = admin.locator("#proposal-outcome");
      await outcome.waitFor({ timeout: 60_000 });
      expect(await outcome.textContent()).toMatch(new RegExp(`approved: scavenger now on v${base + 1}`));
      expect(await admin.locator("#proposal-detail").textContent()).toMatch(/Status approved/);
      await admin.waitForSelector(`#active-config-version:has-text("Active version: v${base + 1}")`, { timeout: 15_000 });
      await shot(admin, "07-proposal-approved");
      const reader = (await pageApi<{ token: string }>(admin, "POST", "/api/auth/tokens", { name: "e2e scavenger reader", role: "viewer", scopes: [], ttlSeconds: 600 })).body.token;
      expect((await pageGet<{ activeVersion: number }>(admin, "/api/scavenger/config/versions", reader)).body.activeVersion).toBe(base + 1);
    } finally {
      await quantDb.close();
    }
    log("proposal approved; scavenger on the new version");
  }, 150_000);

  it("renders every page from live data without a script error", async () => {
    const errors: string[] = [];
    admin.on("pageerror", (err) => errors.push(`${admin.url()}: ${err.message}`));
    for (const [path, name] of [["/signals", "09-signals"], ["/traps", "10-traps"], ["/breaker", "11-breaker"], ["/alerts", "12-alerts"], ["/users", "13-users"]] as const) {
      await admin.goto(path);
      await waitFor(`${path} loaded`, async () => (await admin.locator('[data-view] p.muted:has-text("Loading")').count()) === 0, 20_000);
      expect(await admin.locator("[data-view] .error").allTextContents(), path).toEqual([]);
      if (path === "/traps") expect(await admin.locator("#trap-chart canvas").count()).toBeGreaterThan(0);
      await shot(admin, name);
    }
    expect(errors).toEqual([]);
  }, 120_000);

  it("keeps every one of these actions in the audit log, with the operator as the actor, and the chain intact", async () => {
    await admin.goto("/audit");
    await admin.click("#verify-audit");
    await admin.waitForSelector('#audit-verdict[data-kind="ok"]', { timeout: 30_000 });
    const page = await pageApi<{ events: Array<{ action: string; actor: { id: string; name: string }; service: string }> }>(admin, "GET", "/api/audit?limit=500");
    const byAlice = page.body.events.filter((e) => e.actor.name === "alice" || e.actor.name === "console session alice");
    const actions = new Set(byAlice.map((e) => `${e.service} ${e.action}`));
    for (const expected of ["console session.login", "console control.flatten", "execution execution.flatten", "console proposal.approve", "ai-quant proposal.approve", "scavenger config.activate"]) expect(actions, expected).toContain(expected);
    await shot(admin, "08-audit");
  }, 60_000);
});
