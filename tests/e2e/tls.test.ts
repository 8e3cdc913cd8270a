// TLS 1.3 on every listener the local stack puts in front of or behind NGINX, on a stack of its own
// (scratch state folder, ports offset, as tests/e2e/stack.test.ts): NGINX, each service's own HTTPS
// listener, PostgreSQL and Redis accept TLS 1.3 with a certificate the stack's CA signed and refuse
// TLS 1.2; nothing answers in plain text where TLS is promised; NGINX, Prometheus, titanctl and the
// services themselves (to PostgreSQL) go over verified TLS; a renewed certificate is served without a
// restart. `TITAN_E2E_SKIP_BUILD=1` reuses a build made just before.
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { STACK_CERTIFICATE_NAMES, ensureLeafCertificate } from "../../scripts/stack/ca.js";
import { listPm2 } from "../../scripts/stack/pm2.js";
import { stackPorts, type StackPorts } from "../../scripts/stack/ports.js";
import { isPortFree } from "../../scripts/stack/processes.js";
import { REPO_DIR, stackLayout } from "../../scripts/stack/state.js";
import { runCommand } from "../support/child-process.js";

const TSX = join(REPO_DIR, "node_modules", ".bin", "tsx");
const SERVICES = ["brain", "execution", "console", "scavenger"] as const;
let stackDir: string;
let ports: StackPorts;
let offset: number;
let env: NodeJS.ProcessEnv;
let ca: Buffer;
const startedMs = Date.now();
const log = (line: string): void => void process.stdout.write(`[tls-e2e ${((Date.now() - startedMs) / 1000).toFixed(0)} s] ${line}\n`);

const run = (cmd: string, args: string[], timeoutMs: number, extraEnv: NodeJS.ProcessEnv = {}) => runCommand(cmd, args, { ...env, ...extraEnv }, timeoutMs);

const stack = (command: "up" | "down", timeoutMs = 240_000) => run(TSX, ["scripts/stack.ts", command, ...(command === "up" ? ["--timeout", "150"] : [])], timeoutMs);

interface Hello {
  readonly protocol: string | null;
  readonly serialNumber: string;
}

/** Completes a TLS handshake on `socket` (or a new connection), checking the certificate against the stack's CA. */
const handshake = (port: number, opts: ConnectionOptions = {}): Promise<Hello> =>
  new Promise((resolve, reject) => {
    const secure: TLSSocket = tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ca, ...opts }, () => {
      const hello = { protocol: secure.getProtocol(), serialNumber: secure.getPeerX509Certificate()?.serialNumber ?? "" };
      secure.destroy();
      opts.socket?.destroy();
      resolve(hello);
    });
    secure.on("error", (err) => {
      opts.socket?.destroy();
      reject(err);
    });
  });

/** PostgreSQL speaks TLS after its SSLRequest message (8 bytes: length, then 80877103) answered with `S`. */
const postgresHandshake = (opts: ConnectionOptions = {}): Promise<Hello> =>
  new Promise((resolve, reject) => {
    const socket = tcpConnect(ports.postgres, "127.0.0.1", () => {
      const sslRequest = Buffer.alloc(8);
      sslRequest.writeInt32BE(8, 0);
      sslRequest.writeInt32BE(80_877_103, 4);
      socket.write(sslRequest);
    });
    socket.once("data", (answer) => {
      if (answer.toString("latin1", 0, 1) !== "S") return reject(new Error(`PostgreSQL answered ${answer.toString("latin1", 0, 1)} to SSLRequest`));
      handshake(ports.postgres, { ...opts, socket }).then(resolve, reject);
    });
    socket.on("error", reject);
  });

/** Every TLS listener of the stack, by name, with how to shake hands with it. */
const listeners = (): Array<[string, (opts?: ConnectionOptions) => Promise<Hello>]> => [
  ["nginx", (opts) => handshake(ports.nginxHttps, opts)],
  ...SERVICES.map((service): [string, (opts?: ConnectionOptions) => Promise<Hello>] => [service, (opts) => handshake(ports[service], opts)]),
  ["redis", (opts) => handshake(ports.redis, opts)],
  ["postgres", (opts) => postgresHandshake(opts)],
];

const httpsGet = (port: number, path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, servername: "localhost", ca, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });

/** What a plain-text client gets from `port`: the first bytes of the answer, or how the connection ended. */
const plainText = (port: number, payload: string): Promise<string> =>
  new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1", () => socket.write(payload));
    let answer = "";
    socket.setTimeout(3_000, () => socket.destroy());
    socket.on("data", (d: Buffer) => (answer += d.toString("latin1")));
    socket.on("close", () => resolve(answer));
    socket.on("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
  });

let firstUp: { code: number; output: string };

beforeAll(async () => {
  const parent = mkdtempSync(join(inject("scratchDir"), "tls-e2e-"));
  chmodSync(parent, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
  stackDir = join(parent, ".titan");
  for (const candidate of [7000, 1500, 2500, 3500, 4500, 5500, 6500]) {
    if ((await Promise.all(Object.values(stackPorts(candidate)).map(isPortFree))).every(Boolean)) {
      offset = candidate;
      break;
    }
  }
  ports = stackPorts(offset);
  env = { ...process.env, TITAN_STACK_DIR: stackDir, TITAN_STACK_PORT_OFFSET: String(offset), TITAN_STATE_DIR: stackDir };
  if (process.env.TITAN_E2E_SKIP_BUILD !== "1") {
    const build = await run("npm", ["run", "build"], 600_000);
    expect(build.code, build.output).toBe(0);
    log("built");
  }
  firstUp = await stack("up");
  log(`stack up: exit ${firstUp.code}`);
  ca = readFileSync(join(stackDir, "ca", "ca.crt"));
}, 900_000);

afterAll(async () => {
  if (stackDir) await stack("down", 120_000);
}, 180_000);

describe("TLS on the local stack", () => {
  it("comes up with a certificate per listener and every listener healthy over TLS", () => {
    expect(firstUp.output).toMatch(new RegExp(`certificates\\s+issued ${STACK_CERTIFICATE_NAMES.join(", ")}`));
    // Whether the whole stack is healthy is tests/e2e/stack.test.ts's question; here, each listener and what reads them.
    for (const component of ["postgres", "redis", "nginx", "prometheus", "postgres-exporter", "redis-exporter", ...SERVICES]) {
      expect(firstUp.output, component).toMatch(new RegExp(`\\] ${component}\\s+healthy`));
      expect(firstUp.output, component).not.toMatch(new RegExp(`\\] ${component}\\s+FAILED`));
    }
  });

  it("accepts TLS 1.3 on every listener, with a certificate the stack's CA signed for localhost", async () => {
    for (const [name, shake] of listeners()) expect((await shake()).protocol, name).toBe("TLSv1.3");
  });

  it("refuses TLS 1.2 on every listener", async () => {
    for (const [name, shake] of listeners()) {
      await expect(shake({ maxVersion: "TLSv1.2" }), name).rejects.toThrow(/protocol version|unsupported protocol|alert|socket hang up|ECONNRESET/i);
    }
  });

  it("answers no plain text where it promises TLS", async () => {
    for (const service of SERVICES) expect(await plainText(ports[service], "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"), service).not.toMatch(/^HTTP\/1\.1 200/);
    expect(await plainText(ports.redis, "PING\r\n")).not.toContain("+PONG");
    // A service role's plain-text login: no pg_hba.conf line matches it.
    const password = readFileSync(join(stackDir, "secrets", "db-password-brain"), "utf8").trim();
    const plain = new pg.Client({ host: "127.0.0.1", port: ports.postgres, user: "titan_brain", database: "titan", password, ssl: false });
    await expect(plain.connect()).rejects.toThrow(/no pg_hba\.conf entry|no encryption/);
    await plain.end().catch(() => undefined);
  });

  it("has the services on PostgreSQL over TLS 1.3 only", async () => {
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${ports.postgres}/titan` });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ application_name: string; ssl: boolean; version: string | null }>(
        "SELECT a.application_name, s.ssl, s.version FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename LIKE 'titan\\_%'",
      );
      for (const service of SERVICES) expect(rows.map((r) => r.application_name), service).toContain(`titan-${service}`);
      expect(rows.filter((r) => !r.ssl || r.version !== "TLSv1.3")).toEqual([]);
    } finally {
      await admin.end();
    }
  });

  it("proxies through NGINX to the services over verified TLS, and Prometheus scrapes them over https", async () => {
    for (const service of ["brain", "execution", "scavenger"]) expect(await httpsGet(ports.nginxHttps, `/api/${service}/health/ready`), service).toBe(200);
    expect(await httpsGet(ports.nginxHttps, "/health/ready")).toBe(200);
    const deadline = Date.now() + 45_000;
    let targets: Array<{ labels: { job: string }; scrapeUrl: string; health: string; lastError: string }> = [];
    while (Date.now() < deadline) {
      const body = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/targets`)).json()) as { data: { activeTargets: typeof targets } };
      targets = body.data.activeTargets.filter((t) => (SERVICES as readonly string[]).includes(t.labels.job));
      if (targets.length === SERVICES.length && targets.every((t) => t.health === "up")) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(targets.map((t) => [t.labels.job, t.scrapeUrl.split(":")[0], t.health, t.lastError]).sort()).toEqual(SERVICES.map((s) => [s, "https", "up", ""]).sort());
  }, 60_000);

  it("reports every component healthy through titanctl status, over TLS", async () => {
    const status = await run("node", ["bin/titanctl.mjs", "status"], 60_000, { TITAN_API_URL: `https://127.0.0.1:${ports.nginxHttps}` });
    expect(status.code, status.output).toBe(0);
    expect(status.output).toMatch(/redis\s+healthy/);
    expect(status.output).toMatch(/postgres\s+healthy/);
  }, 90_000);

  it("serves a renewed service certificate without restarting the service", async () => {
    const layout = stackLayout(stackDir);
    const pidBefore = listPm2(layout, offset).find((p) => p.name === "brain")?.pid;
    const before = (await handshake(ports.brain)).serialNumber;
    const renewed = ensureLeafCertificate(layout.caDir, "brain", { renew: true }).files;
    const serial = new X509Certificate(readFileSync(renewed.cert)).serialNumber;
    expect(serial).not.toBe(before);
    const deadline = Date.now() + 20_000;
    while ((await handshake(ports.brain)).serialNumber !== serial && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect((await handshake(ports.brain)).serialNumber).toBe(serial);
    expect(listPm2(layout, offset).find((p) => p.name === "brain")?.pid).toBe(pidBefore);
    expect(await httpsGet(ports.nginxHttps, "/api/brain/health/ready")).toBe(200);
  }, 60_000);
});
