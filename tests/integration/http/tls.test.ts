// The services' own HTTPS listener (buildHttpServer with `tls`): TLS 1.3 only, a certificate from the
// stack's CA, and a renewed certificate served without a restart while a mismatched pair is refused.
import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { connect, type SecureVersion } from "node:tls";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureCertificateAuthority, ensureLeafCertificate, type LeafFiles } from "../../../scripts/stack/ca.js";
import { createAuthenticator } from "../../../services/shared/auth/index.js";
import { ManualClock } from "../../../services/shared/clock.js";
import { TlsFilesError } from "../../../services/shared/http/tls.js";
import { testServer, type CapturedLogger } from "./test-server.js";

// Health routes are public: the authenticator never reaches a database in this file.
const authenticator = createAuthenticator({
  db: { query: () => Promise.reject(new Error("no database in this test")) },
  serviceTokenSecret: "tls-test-service-token-secret-0123456789",
  clock: new ManualClock(),
});

let caDir: string;
let caCert: Buffer;
let leaf: LeafFiles;
/** What the server reads: copies, so a test can put a mismatched pair in place. */
let served: LeafFiles;
let app: FastifyInstance;
let log: CapturedLogger;
let port: number;

interface Handshake {
  readonly protocol: string | null;
  readonly serialNumber: string;
}

const handshake = (opts: { minVersion?: SecureVersion; maxVersion?: SecureVersion }): Promise<Handshake> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca: caCert, ...opts }, () => {
      const result = { protocol: socket.getProtocol(), serialNumber: socket.getPeerX509Certificate()?.serialNumber ?? "" };
      socket.end();
      resolve(result);
    });
    socket.on("error", reject);
  });

const get = (path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, servername: "localhost", ca: caCert, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });

const serialOf = (file: string): string => new X509Certificate(readFileSync(file)).serialNumber;

const until = async (what: string, probe: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

beforeAll(async () => {
  const dir = mkdtempSync(join(inject("scratchDir"), "tls-"));
  caDir = join(dir, "ca");
  ensureCertificateAuthority(caDir);
  caCert = readFileSync(join(caDir, "ca.crt"));
  leaf = ensureLeafCertificate(caDir, "brain").files;
  served = { cert: join(dir, "served.crt"), key: join(dir, "served.key") };
  copyFileSync(leaf.cert, served.cert);
  copyFileSync(leaf.key, served.key);
  ({ app, log } = await testServer(authenticator, { tls: { certFile: served.cert, keyFile: served.key, reloadIntervalMs: 50 } }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await app?.close();
});

describe("a service's HTTPS listener", () => {
  it("accepts TLS 1.3 with the certificate its CA signed, and answers over it", async () => {
    const hello = await handshake({ minVersion: "TLSv1.3" });
    expect(hello).toEqual({ protocol: "TLSv1.3", serialNumber: serialOf(leaf.cert) });
    expect(await get("/health/live")).toBe(200);
  });

  it("refuses TLS 1.2 and below", async () => {
    await expect(handshake({ maxVersion: "TLSv1.2" })).rejects.toThrow(/protocol version|unsupported protocol|alert/i);
    await expect(handshake({ minVersion: "TLSv1", maxVersion: "TLSv1.1" })).rejects.toThrow();
  });

  it("speaks no plain HTTP on its port", async () => {
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });

  it("serves a renewed certificate to new connections without a restart", async () => {
    const before = (await handshake({})).serialNumber;
    const renewed = ensureLeafCertificate(caDir, "brain", { renew: true }).files;
    copyFileSync(renewed.key, served.key);
    copyFileSync(renewed.cert, served.cert);
    const after = serialOf(renewed.cert);
    expect(after).not.toBe(before);
    await until("the renewed certificate", async () => (await handshake({})).serialNumber === after);
    expect(log.lines.some((l) => l.includes("TLS certificate reloaded") && l.includes(after))).toBe(true);
    expect(await get("/health/live")).toBe(200);
  });

  it("keeps serving the previous pair while the certificate and key do not match", async () => {
    const current = (await handshake({})).serialNumber;
    const other = ensureLeafCertificate(caDir, "scavenger").files;
    copyFileSync(other.cert, served.cert); // the certificate rotated, the key not yet
    await until("the refusal in the log", async () => log.lines.some((l) => l.includes("cannot be used; still serving the previous certificate")));
    expect((await handshake({})).serialNumber).toBe(current);
    copyFileSync(other.key, served.key); // the pair complete: served from now on
    await until("the completed pair", async () => (await handshake({})).serialNumber === serialOf(other.cert));
  });
});

describe("building an HTTPS listener from bad files", () => {
  it("fails before listening, naming the variable at fault", async () => {
    const dir = mkdtempSync(join(inject("scratchDir"), "tls-bad-"));
    const notPem = join(dir, "not.pem");
    writeFileSync(notPem, "hello\n");
    const build = (certFile: string, keyFile: string) => testServer(authenticator, { tls: { certFile, keyFile } });
    await expect(build(join(dir, "missing.crt"), leaf.key)).rejects.toThrow(new TlsFilesError(`TITAN_TLS_CERT_FILE: cannot read '${join(dir, "missing.crt")}' (ENOENT)`));
    await expect(build(notPem, leaf.key)).rejects.toThrow(`TITAN_TLS_CERT_FILE: '${notPem}' holds no PEM certificate`);
    await expect(build(leaf.cert, notPem)).rejects.toThrow(`TITAN_TLS_KEY_FILE: '${notPem}' holds no PEM private key`);
    const other = ensureLeafCertificate(caDir, "console").files;
    await expect(build(leaf.cert, other.key)).rejects.toThrow(/TITAN_TLS_KEY_FILE: the key in .* does not belong to the certificate/);
  });
});
