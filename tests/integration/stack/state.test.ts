// What the stack generates on its first start and reuses afterwards: secrets (0600 in a 0700 folder)
// and the certificate authority.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { SERVICE_NAMES } from "../../../ops/services.js";
import { ensureCertificateAuthority } from "../../../scripts/stack/ca.js";
import { ensureSecrets, secretFiles } from "../../../scripts/stack/secrets.js";

const mode = (path: string): number => statSync(path).mode & 0o777;

describe("stack secrets", () => {
  it("are created once, readable by their owner only, and reused afterwards", () => {
    const dir = join(mkdtempSync(join(inject("scratchDir"), "stack-secrets-")), "secrets");
    const first = ensureSecrets(dir);
    expect(first.created).toHaveLength(SERVICE_NAMES.length + 2); // the service-token secret and the Alertmanager webhook token
    expect(mode(dir)).toBe(0o700);
    const files = secretFiles(dir);
    for (const file of [files.serviceTokenSecret, ...SERVICE_NAMES.map((s) => files.databasePassword(s))]) expect(mode(file)).toBe(0o600);
    expect(first.secrets.serviceTokenSecret.length).toBeGreaterThanOrEqual(48);
    expect(new Set(Object.values(first.secrets.databasePasswords)).size).toBe(SERVICE_NAMES.length);

    const second = ensureSecrets(dir);
    expect(second.created).toEqual([]);
    expect(second.secrets).toEqual(first.secrets);
  });

  it("recreates only a secret whose file went missing or empty", () => {
    const dir = join(mkdtempSync(join(inject("scratchDir"), "stack-secrets-")), "secrets");
    const first = ensureSecrets(dir);
    writeFileSync(secretFiles(dir).databasePassword("brain"), "");
    const again = ensureSecrets(dir);
    expect(again.created).toEqual([secretFiles(dir).databasePassword("brain")]);
    expect(again.secrets.databasePasswords.brain).not.toBe(first.secrets.databasePasswords.brain);
    expect(again.secrets.serviceTokenSecret).toBe(first.secrets.serviceTokenSecret);
  });
});

describe("stack certificate authority", () => {
  const openssl = (...args: string[]): string => spawnSync("openssl", args, { encoding: "utf8" }).stdout;

  it("issues a server certificate for localhost and 127.0.0.1 that verifies against the CA, and reuses both", () => {
    const dir = join(mkdtempSync(join(inject("scratchDir"), "stack-ca-")), "ca");
    const { files, created } = ensureCertificateAuthority(dir);
    expect(created).toEqual(["certificate authority", "server certificate"]);
    expect(mode(dir)).toBe(0o700);
    expect(mode(files.caKey)).toBe(0o600);
    expect(mode(files.serverKey)).toBe(0o600);
    expect(spawnSync("openssl", ["verify", "-CAfile", files.caCert, files.serverCert]).status).toBe(0);
    const text = openssl("x509", "-in", files.serverCert, "-noout", "-text");
    expect(text).toMatch(/DNS:localhost, IP Address:127\.0\.0\.1/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(openssl("x509", "-in", files.caCert, "-noout", "-text")).toMatch(/CA:TRUE/);

    const before = readFileSync(files.serverCert, "utf8");
    expect(ensureCertificateAuthority(dir).created).toEqual([]);
    expect(readFileSync(files.serverCert, "utf8")).toBe(before);
  });

  it("reissues the server certificate when it is not signed by the current CA", () => {
    const dir = join(mkdtempSync(join(inject("scratchDir"), "stack-ca-")), "ca");
    const { files } = ensureCertificateAuthority(dir);
    const other = ensureCertificateAuthority(join(mkdtempSync(join(inject("scratchDir"), "stack-ca-")), "ca")).files;
    writeFileSync(files.serverCert, readFileSync(other.serverCert));
    expect(ensureCertificateAuthority(dir).created).toEqual(["server certificate"]);
    expect(spawnSync("openssl", ["verify", "-CAfile", files.caCert, files.serverCert]).status).toBe(0);
  });
});
