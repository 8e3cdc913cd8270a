// The monitoring daemons' TLS, against a real Pushgateway (exporter-toolkit, as Prometheus, Alertmanager
// and the node and PostgreSQL exporters) started with the rendered web configuration, and the backup
// metrics pushed to it over verified TLS 1.3.
import { spawn, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createServer as createTlsServer, connect as tlsConnect, type ConnectionOptions } from "node:tls";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushBackupMetrics } from "../../services/backup/adapters/metrics.js";
import { ensureCertificateAuthority, ensureLeafCertificate, type LeafFiles } from "./ca.js";
import { checkWebConfig, monitoringClientTls, prometheusTlsVersion, redisExporterTlsArgs, renderWebConfig } from "./monitoring-tls.js";

let dir: string;
let caFile: string;
let leaf: LeafFiles;
let webFile: string;
let port: number;
let pushgateway: ChildProcess | undefined;

const handshake = (opts: ConnectionOptions = {}): Promise<{ protocol: string | null; serialNumber: string }> =>
  new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ca: readFileSync(caFile), ...opts }, () => {
      const hello = { protocol: socket.getProtocol(), serialNumber: socket.getPeerX509Certificate()?.serialNumber ?? "" };
      socket.destroy();
      resolve(hello);
    });
    socket.on("error", reject);
  });

const httpsGet = (path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, ca: readFileSync(caFile), minVersion: "TLSv1.3", agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });

const plainHttp = (): Promise<string> =>
  new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1", () => socket.write("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    let answer = "";
    socket.setTimeout(3_000, () => socket.destroy());
    socket.on("data", (d: Buffer) => (answer += d.toString("latin1")));
    socket.on("close", () => resolve(answer));
    socket.on("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "titan-monitoring-tls-"));
  caFile = ensureCertificateAuthority(join(dir, "ca")).files.caCert;
  leaf = ensureLeafCertificate(join(dir, "ca"), "pushgateway").files;
  webFile = join(dir, "pushgateway-web.yml");
  writeFileSync(webFile, renderWebConfig(leaf));
  port = await getPort();
  pushgateway = spawn("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${webFile}`], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ready = await httpsGet("/-/ready").then((a) => a.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error("the Pushgateway did not become ready over TLS within 10 s");
    await sleep(100);
  }
}, 30_000);

afterAll(() => {
  pushgateway?.kill("SIGTERM");
});

describe("the monitoring daemons' TLS", () => {
  it("spells ops/'s TLS floor as Prometheus and redis_exporter want it", () => {
    expect(prometheusTlsVersion()).toBe("TLS13");
    expect(monitoringClientTls("/s/ca/ca.crt")).toEqual({ ca_file: "/s/ca/ca.crt", min_version: "TLS13" });
    expect(redisExporterTlsArgs({ cert: "/s/ca/redis-exporter.crt", key: "/s/ca/redis-exporter.key" })).toEqual([
      "-tls-server-cert-file=/s/ca/redis-exporter.crt",
      "-tls-server-key-file=/s/ca/redis-exporter.key",
      "-tls-server-min-version=TLS1.3",
    ]);
  });

  it("renders a web configuration promtool accepts, serving the daemon's certificate from TLS 1.3 up", () => {
    expect(JSON.parse(renderWebConfig(leaf).replace(/^#.*$/gm, ""))).toEqual({ tls_server_config: { cert_file: leaf.cert, key_file: leaf.key, min_version: "TLS13" } });
    expect(() => checkWebConfig(webFile)).not.toThrow();
    const broken = join(dir, "broken-web.yml");
    writeFileSync(broken, JSON.stringify({ tls_server_config: { cert_file: leaf.cert, key_file: leaf.key, min_version: "TLS99" } }));
    expect(() => checkWebConfig(broken)).toThrow(/promtool check web-config .* failed/);
  });

  it("makes a real daemon accept TLS 1.3 with a certificate the stack's CA signed, and refuse TLS 1.2 and below", async () => {
    expect((await handshake()).protocol).toBe("TLSv1.3");
    // A client offering TLS 1.0 to 1.2 (security level 0, so OpenSSL offers the old versions at all)...
    const upTo12: ConnectionOptions = { minVersion: "TLSv1", maxVersion: "TLSv1.2", ciphers: "DEFAULT@SECLEVEL=0" };
    await expect(handshake(upTo12)).rejects.toThrow(/protocol version|alert/i);
    // ...which a server that allows TLS 1.2 does serve: the refusal above is the daemon's.
    const control = createTlsServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key), minVersion: "TLSv1.2" }, (socket) => socket.end());
    await new Promise<void>((resolveListen) => control.listen(0, "127.0.0.1", resolveListen));
    try {
      expect((await handshake({ ...upTo12, port: (control.address() as { port: number }).port })).protocol).toBe("TLSv1.2");
    } finally {
      control.close();
    }
  });

  it("makes it answer no plain HTTP", async () => {
    const answer = await plainHttp();
    expect(answer).not.toMatch(/^HTTP\/1\.[01] [23]\d\d/);
    expect(answer).toMatch(/^HTTP\/1\.[01] 400|^$|^error/);
  });

  it("pushes the backup metrics over verified TLS, and refuses a Pushgateway it cannot verify", async () => {
    const runs = [{ tier: "tradingData" as const, outcome: "succeeded" as const, startedMs: 1_000, finishedMs: 2_000, sizeBytes: 10, id: "r1", detail: "test" }];
    await pushBackupMetrics(`https://127.0.0.1:${port}`, runs, { caFile });
    const pushed = await httpsGet("/metrics");
    expect(pushed.body).toMatch(/titan_backup_runs_total\{[^}]*outcome="succeeded"[^}]*tier="tradingData"[^}]*\} 1/);
    // Without the stack's CA the certificate is not trusted: no silent fallback to skipping verification.
    await expect(pushBackupMetrics(`https://127.0.0.1:${port}`, runs)).rejects.toThrow(/certificate/i);
  });

  it("serves a renewed certificate without a restart", async () => {
    const before = (await handshake()).serialNumber;
    const renewed = ensureLeafCertificate(join(dir, "ca"), "pushgateway", { renew: true }).files;
    const serial = new X509Certificate(readFileSync(renewed.cert)).serialNumber;
    expect(serial).not.toBe(before);
    expect((await handshake()).serialNumber).toBe(serial);
    expect(pushgateway?.exitCode).toBeNull();
  });
});
