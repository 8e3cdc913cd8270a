// TLS 1.3 on every listener the local stack opens, on a stack of its own (scratch state folder, ports
// offset, as tests/e2e/stack.test.ts): every TCP port a process of the stack listens on (found from the
// sockets, not from the port table: NGINX, each service's own HTTPS listener, PostgreSQL, Redis,
// Prometheus, Alertmanager, the Pushgateway and the exporters) accepts TLS 1.3 with a certificate the
// stack's CA signed, refuses TLS 1.2 and below, and serves nothing in plain text; NGINX, Prometheus
// (scrapes and alerting), titanctl and the services themselves (to PostgreSQL) go over verified TLS;
// a renewed certificate is served without a restart. `TITAN_E2E_SKIP_BUILD=1` reuses a build made
// just before.
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer, connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { STACK_CERTIFICATE_NAMES, ensureLeafCertificate } from "../../scripts/stack/ca.js";
import { daemonUrl } from "../../scripts/stack/components.js";
import { stackListeners } from "../../scripts/stack/listeners.js";
import { MONITORING_DAEMONS } from "../../scripts/stack/monitoring-tls.js";
import { listPm2 } from "../../scripts/stack/pm2.js";
import { stackPorts, type StackPorts } from "../../scripts/stack/ports.js";
import { isPortFree } from "../../scripts/stack/processes.js";
import { REPO_DIR, stackLayout } from "../../scripts/stack/state.js";
import { send } from "../../services/cli/http-client.js";
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

type Shake = (opts?: ConnectionOptions) => Promise<Hello>;

/** The port table's name for a port, for messages ("prometheus (10090)"). */
const portName = (port: number): string => `${Object.entries(ports).find(([, p]) => p === port)?.[0] ?? "unknown"} (${port})`;

/**
 * Every TCP port a process of the stack listens on, with how to shake hands with it: PostgreSQL after
 * its SSLRequest, everything else directly.
 */
const listeners = (): Array<[string, Shake]> =>
  stackListeners(stackDir).map((l): [string, Shake] => [portName(l.port), l.port === ports.postgres ? (opts) => postgresHandshake(opts) : (opts) => handshake(l.port, opts)]);

/** A client offering TLS 1.0 to 1.2 only (security level 0, or OpenSSL would not offer the old versions at all). */
const TLS_12_AND_BELOW: ConnectionOptions = { minVersion: "TLSv1", maxVersion: "TLSv1.2", ciphers: "DEFAULT@SECLEVEL=0" };

/** A GET over verified TLS 1.3 to a monitoring daemon (send() insists on TLS 1.3 when given the CA). */
const monitoring = async <T>(url: string): Promise<T> => {
  const answer = await send(url, { caFile: join(stackDir, "ca", "ca.crt"), timeoutMs: 5_000 });
  if (answer.status !== 200) throw new Error(`${url}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
  return JSON.parse(answer.body) as T;
};

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
    for (const component of ["postgres", "redis", "nginx", ...MONITORING_DAEMONS, ...SERVICES]) {
      expect(firstUp.output, component).toMatch(new RegExp(`\\] ${component}\\s+healthy`));
      expect(firstUp.output, component).not.toMatch(new RegExp(`\\] ${component}\\s+FAILED`));
    }
  });

  it("listens on exactly the ports of its port table, each found from the sockets of its own processes", () => {
    // The scan below covers what the sockets say; this pins that the discovery sees every listener (and
    // that a new one is added to ports.ts, where the port offset moves it).
    expect(stackListeners(stackDir).map((l) => l.port)).toEqual(Object.values(ports).sort((a, b) => a - b));
    expect(stackListeners(stackDir).filter((l) => l.address !== "127.0.0.1").map((l) => `${portName(l.port)} on ${l.address}`)).toEqual([]);
  });

  it("accepts TLS 1.3 on every listener, with a certificate the stack's CA signed for localhost", async () => {
    const scanned = listeners();
    for (const [name, shake] of scanned) expect((await shake()).protocol, name).toBe("TLSv1.3");
    log(`TLS 1.3 accepted on ${scanned.length} listeners: ${scanned.map(([name]) => name).join(", ")}`);
  });

  it("refuses TLS 1.2 and below on every listener", async () => {
    // The probe can tell: a listener that allows TLS 1.2 completes this very handshake.
    const leaf = ensureLeafCertificate(stackLayout(stackDir).caDir, "tls12-control").files;
    const control = createTlsServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key), minVersion: "TLSv1.2" }, (socket) => socket.end());
    await new Promise<void>((resolveListen) => control.listen(0, "127.0.0.1", resolveListen));
    try {
      expect((await handshake((control.address() as { port: number }).port, TLS_12_AND_BELOW)).protocol).toBe("TLSv1.2");
    } finally {
      control.close();
    }
    for (const [name, shake] of listeners()) {
      await expect(shake(TLS_12_AND_BELOW), name).rejects.toThrow(/protocol version|unsupported protocol|alert|socket hang up|ECONNRESET/i);
    }
  });

  it("answers no plain text on any listener", async () => {
    // A request served (2xx) or redirected (3xx) in plain text fails; "400 plain HTTP sent to an HTTPS port" or a closed connection passes.
    for (const { port } of stackListeners(stackDir)) {
      expect(await plainText(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"), portName(port)).not.toMatch(/^HTTP\/1\.[01] [23]\d\d/);
    }
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

  it("proxies through NGINX to the services over verified TLS, and Prometheus scrapes every target and alerts Alertmanager over https", async () => {
    for (const service of ["brain", "execution", "scavenger"]) expect(await httpsGet(ports.nginxHttps, `/api/${service}/health/ready`), service).toBe(200);
    expect(await httpsGet(ports.nginxHttps, "/health/ready")).toBe(200);
    const jobs = ["ai-quant-api", "alertmanager", "backup", ...SERVICES, "node", "postgres", "prometheus", "pushgateway", "redis"].sort();
    const deadline = Date.now() + 45_000;
    let targets: Array<{ labels: { job: string }; scrapeUrl: string; health: string; lastError: string }> = [];
    while (Date.now() < deadline) {
      targets = (await monitoring<{ data: { activeTargets: typeof targets } }>(daemonUrl(ports, "prometheus", "/api/v1/targets"))).data.activeTargets;
      if (targets.length === jobs.length && targets.every((t) => t.health === "up")) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(targets.map((t) => [t.labels.job, t.scrapeUrl.split(":")[0], t.health, t.lastError]).sort()).toEqual(jobs.map((job) => [job, "https", "up", ""]));
    const { data } = await monitoring<{ data: { activeAlertmanagers: Array<{ url: string }> } }>(daemonUrl(ports, "prometheus", "/api/v1/alertmanagers"));
    expect(data.activeAlertmanagers.map((a) => a.url)).toEqual([daemonUrl(ports, "alertmanager", "/api/v2/alerts")]);
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

  it("serves renewed monitoring certificates without restarting the daemons (exporter-toolkit's web config and redis_exporter's flags)", async () => {
    const layout = stackLayout(stackDir);
    for (const [daemon, port] of [["prometheus", ports.prometheus], ["redis-exporter", ports.redisExporter]] as const) {
      const pidBefore = readFileSync(join(layout.runDir, `${daemon}.pid`), "utf8");
      const renewed = ensureLeafCertificate(layout.caDir, daemon, { renew: true }).files;
      const serial = new X509Certificate(readFileSync(renewed.cert)).serialNumber;
      expect((await handshake(port)).serialNumber, daemon).toBe(serial);
      expect(readFileSync(join(layout.runDir, `${daemon}.pid`), "utf8"), daemon).toBe(pidBefore);
    }
    expect((await monitoring<{ status: string }>(daemonUrl(ports, "prometheus", "/api/v1/query?query=up"))).status).toBe("success");
  }, 60_000);
});
