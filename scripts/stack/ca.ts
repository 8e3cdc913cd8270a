// The stack's own certificate authority (openssl): a CA created on first start, a server certificate
// for localhost/127.0.0.1 signed by it, which NGINX serves over TLS 1.3, and one certificate per
// component that listens behind it (each service, PostgreSQL, Redis, each monitoring daemon). Clients trust `ca.crt`
// (titanctl, NGINX, Prometheus, the services, tests, a browser after importing it) instead of
// skipping verification.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVICE_NAMES } from "../../ops/services.js";
import { MONITORING_DAEMONS } from "./monitoring-tls.js";

export interface CertificateAuthority {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

export const caFiles = (caDir: string): CertificateAuthority => ({
  caCert: join(caDir, "ca.crt"),
  caKey: join(caDir, "ca.key"),
  serverCert: join(caDir, "server.crt"),
  serverKey: join(caDir, "server.key"),
});

const CA_DAYS = 3650;
const SERVER_DAYS = 397; // what browsers accept for a leaf certificate
const RENEW_BEFORE_SECONDS = 30 * 24 * 3600;

const openssl = (args: string[]): string => {
  const res = spawnSync("openssl", args, { encoding: "utf8" });
  if (res.error) throw new Error(`openssl not found: run scripts/install-dependencies.sh (${res.error.message})`);
  if (res.status !== 0) throw new Error(`openssl ${args[0]} failed: ${(res.stderr || res.stdout).trim()}`);
  return res.stdout;
};

const validFor = (cert: string, seconds: number): boolean =>
  spawnSync("openssl", ["x509", "-checkend", String(seconds), "-noout", "-in", cert]).status === 0;

const signedBy = (cert: string, caCert: string): boolean =>
  spawnSync("openssl", ["verify", "-CAfile", caCert, cert], { encoding: "utf8" }).status === 0;

const newKey = (file: string): void => {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file]);
  chmodSync(file, 0o600);
};

export interface LeafFiles {
  readonly cert: string;
  readonly key: string;
}

/** Where the certificate of one component (a service, PostgreSQL, Redis, a monitoring daemon) lives: `<caDir>/<name>.crt|.key`. */
export const leafFiles = (caDir: string, name: string): LeafFiles => {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`certificate name must be lower-case letters, digits and hyphens: ${name}`);
  return { cert: join(caDir, `${name}.crt`), key: join(caDir, `${name}.key`) };
};

/** A leaf for localhost/127.0.0.1/::1, signed by the CA: every listener of the stack is on loopback. */
const issueLeaf = (ca: CertificateAuthority, caDir: string, commonName: string, out: LeafFiles): void => {
  // Written beside the live files and renamed over them, so a watching service never reads half a pair.
  const next = { cert: `${out.cert}.next`, key: `${out.key}.next` };
  newKey(next.key);
  const csr = join(caDir, `${commonName}.csr`);
  const ext = join(caDir, `${commonName}.ext`);
  openssl(["req", "-new", "-key", next.key, "-subj", `/O=Titan local stack/CN=${commonName}`, "-out", csr]);
  writeFileSync(
    ext,
    [
      "basicConstraints = critical, CA:FALSE",
      "keyUsage = critical, digitalSignature",
      "extendedKeyUsage = serverAuth",
      "subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1",
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
      "",
    ].join("\n"),
  );
  const serial = join(caDir, `${commonName}.srl`);
  openssl(["x509", "-req", "-in", csr, "-CA", ca.caCert, "-CAkey", ca.caKey, "-CAserial", serial, "-CAcreateserial", "-days", String(SERVER_DAYS), "-sha256", "-extfile", ext, "-out", next.cert]);
  rmSync(csr, { force: true });
  rmSync(ext, { force: true });
  rmSync(serial, { force: true });
  renameSync(next.key, out.key);
  renameSync(next.cert, out.cert);
};

const leafUsable = (leaf: LeafFiles, caCert: string): boolean =>
  existsSync(leaf.cert) && existsSync(leaf.key) && validFor(leaf.cert, RENEW_BEFORE_SECONDS) && signedBy(leaf.cert, caCert);

/**
 * The certificate of one component, issued by the stack's CA when missing, expiring within 30 days or
 * signed by another CA (after the CA was re-created). `renew` issues a new one regardless.
 */
export const ensureLeafCertificate = (caDir: string, name: string, opts: { renew?: boolean } = {}): { files: LeafFiles; issued: boolean } => {
  const ca = caFiles(caDir);
  const files = leafFiles(caDir, name);
  if (!opts.renew && leafUsable(files, ca.caCert)) return { files, issued: false };
  issueLeaf(ca, caDir, name, files);
  return { files, issued: true };
};

/** Creates what is missing: the CA once, the server certificate when absent, expiring or not signed by this CA. */
export const ensureCertificateAuthority = (caDir: string): { files: CertificateAuthority; created: string[] } => {
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  chmodSync(caDir, 0o700);
  const files = caFiles(caDir);
  const created: string[] = [];
  if (!existsSync(files.caCert) || !existsSync(files.caKey) || !validFor(files.caCert, RENEW_BEFORE_SECONDS)) {
    newKey(files.caKey);
    openssl([
      "req", "-x509", "-new", "-key", files.caKey, "-sha256", "-days", String(CA_DAYS),
      "-subj", "/O=Titan local stack/CN=Titan local CA",
      "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign",
      "-out", files.caCert,
    ]);
    created.push("certificate authority");
    rmSync(files.serverCert, { force: true });
  }
  if (!leafUsable({ cert: files.serverCert, key: files.serverKey }, files.caCert)) {
    issueLeaf(files, caDir, "localhost", { cert: files.serverCert, key: files.serverKey });
    created.push("server certificate");
  }
  return { files, created };
};

/**
 * Every listener of the stack besides NGINX with a certificate of its own: the services, the AI Quant
 * API and the backup scheduler (named as their PM2 apps), PostgreSQL, Redis and the monitoring daemons.
 */
export const STACK_CERTIFICATE_NAMES: readonly string[] = [...SERVICE_NAMES, "ai-quant-api", "backup", "postgres", "redis", ...MONITORING_DAEMONS];

/** Issues what is missing or expiring; running services pick up a renewed certificate by themselves. */
export const ensureStackCertificates = (caDir: string): { issued: string[] } => ({
  issued: STACK_CERTIFICATE_NAMES.filter((name) => ensureLeafCertificate(caDir, name).issued),
});
