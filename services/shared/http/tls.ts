// TLS for a service's own listener: TLS 1.3 only (ops/ SECURITY.minimumTlsVersion), certificate and
// key read from files, and read again when those files change, so a renewed certificate (cert-manager
// in Kubernetes, the local CA in the stack) is served without a restart. A pair that does not match
// (a new certificate beside the old key, mid-rotation) is refused and the previous pair kept.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync, unwatchFile, watchFile, type Stats } from "node:fs";
import type { SecureContextOptions, SecureVersion, Server as TlsServer } from "node:tls";
import { SECURITY } from "../../../ops/security.js";

export const TLS_MIN_VERSION: SecureVersion = SECURITY.minimumTlsVersion.value;

export interface TlsFiles {
  /** PEM certificate (chain) the listener presents: TITAN_TLS_CERT_FILE. */
  readonly certFile: string;
  /** PEM private key of that certificate: TITAN_TLS_KEY_FILE. */
  readonly keyFile: string;
}

/** A certificate or key file that cannot serve: unreadable, not PEM, or the two do not belong together. */
export class TlsFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsFilesError";
  }
}

export interface LoadedTls {
  /** What `https.createServer` and `setSecureContext` take. */
  readonly options: SecureContextOptions & { readonly cert: Buffer; readonly key: Buffer; readonly minVersion: SecureVersion };
  readonly certificate: X509Certificate;
}

const readPem = (path: string, variable: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TlsFilesError(`${variable}: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
};

/** Reads and checks the pair; throws TlsFilesError naming the variable at fault. */
export const loadTlsFiles = (files: TlsFiles): LoadedTls => {
  const cert = readPem(files.certFile, "TITAN_TLS_CERT_FILE");
  const key = readPem(files.keyFile, "TITAN_TLS_KEY_FILE");
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new TlsFilesError(`TITAN_TLS_CERT_FILE: '${files.certFile}' holds no PEM certificate`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsFilesError(`TITAN_TLS_KEY_FILE: '${files.keyFile}' holds no PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new TlsFilesError(`TITAN_TLS_KEY_FILE: the key in '${files.keyFile}' does not belong to the certificate in '${files.certFile}'`);
  }
  return { options: { cert, key, minVersion: TLS_MIN_VERSION }, certificate };
};

/** What a log line says about a certificate: enough to tell the old one from the new one. */
export const describeCertificate = (certificate: X509Certificate) => ({
  subject: certificate.subject.replace(/\n/g, ", "),
  serialNumber: certificate.serialNumber,
  validTo: new Date(certificate.validTo).toISOString(),
});

export interface TlsWatchOptions {
  /** How often the files' status is polled (default 5 s): polling also sees Kubernetes' symlink swaps. */
  readonly intervalMs?: number;
  /** Quiet time after a change before reading, so a certificate and key written one after the other are read together. */
  readonly settleMs?: number;
  readonly onReload: (certificate: X509Certificate) => void;
  /** The new files could not be used; the listener keeps serving the previous pair. */
  readonly onError: (error: Error) => void;
}

/**
 * Serves the pair anew whenever either file changes; returns a function that stops watching.
 * Connections already open keep the certificate they negotiated with.
 */
export const watchTlsFiles = (server: TlsServer, files: TlsFiles, initial: X509Certificate, opts: TlsWatchOptions): (() => void) => {
  const intervalMs = opts.intervalMs ?? 5_000;
  const settleMs = opts.settleMs ?? Math.min(1_000, intervalMs);
  let serving = initial.fingerprint256;
  let pending: NodeJS.Timeout | undefined;

  const reload = (): void => {
    pending = undefined;
    let loaded: LoadedTls;
    try {
      loaded = loadTlsFiles(files);
    } catch (error) {
      opts.onError(error as Error);
      return;
    }
    if (loaded.certificate.fingerprint256 === serving) return;
    server.setSecureContext(loaded.options);
    serving = loaded.certificate.fingerprint256;
    opts.onReload(loaded.certificate);
  };
  const changed = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.size === previous.size) return;
    if (pending) clearTimeout(pending);
    pending = setTimeout(reload, settleMs);
    pending.unref();
  };
  const watched = [files.certFile, files.keyFile];
  for (const file of watched) watchFile(file, { interval: intervalMs, persistent: false }, changed);
  return () => {
    if (pending) clearTimeout(pending);
    for (const file of watched) unwatchFile(file, changed);
  };
};
