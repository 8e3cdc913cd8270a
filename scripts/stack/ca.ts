// The stack's own certificate authority (openssl): a CA created on first start and a server
// certificate for localhost/127.0.0.1 signed by it, which NGINX serves over TLS 1.3. Clients trust
// `ca.crt` (titanctl, tests, a browser after importing it) instead of skipping verification.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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

const issueServerCert = (files: CertificateAuthority, caDir: string): void => {
  newKey(files.serverKey);
  const csr = join(caDir, "server.csr");
  const ext = join(caDir, "server.ext");
  openssl(["req", "-new", "-key", files.serverKey, "-subj", "/O=Titan local stack/CN=localhost", "-out", csr]);
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
  openssl(["x509", "-req", "-in", csr, "-CA", files.caCert, "-CAkey", files.caKey, "-CAcreateserial", "-days", String(SERVER_DAYS), "-sha256", "-extfile", ext, "-out", files.serverCert]);
  rmSync(csr, { force: true });
  rmSync(ext, { force: true });
  rmSync(join(caDir, "ca.srl"), { force: true });
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
  if (!existsSync(files.serverCert) || !existsSync(files.serverKey) || !validFor(files.serverCert, RENEW_BEFORE_SECONDS) || !signedBy(files.serverCert, files.caCert)) {
    issueServerCert(files, caDir);
    created.push("server certificate");
  }
  return { files, created };
};
