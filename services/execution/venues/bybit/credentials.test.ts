import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CredentialFileError, credentialFilesStamp, keyAgeSeconds, keyFingerprint, parseKeyCreatedAtMs, readCredentialFiles } from "./credentials.js";

const dir = mkdtempSync(join(tmpdir(), "bybit-credentials-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe("reading the key pair from its files", () => {
  it("drops the trailing newline of each file, as the configuration loader does", () => {
    expect(readCredentialFiles({ apiKeyFile: file("k1", "abc\n"), secretFile: file("s1", "xyz\r\n") })).toEqual({ apiKey: "abc", secret: "xyz" });
  });

  it("names the variable and the file at fault, never the value", () => {
    const good = file("k2", "abc");
    expect(() => readCredentialFiles({ apiKeyFile: join(dir, "missing"), secretFile: good })).toThrow(new CredentialFileError(`TITAN_BYBIT_API_KEY_FILE: cannot read '${join(dir, "missing")}' (ENOENT)`));
    expect(() => readCredentialFiles({ apiKeyFile: good, secretFile: file("s2", "\n") })).toThrow(`TITAN_BYBIT_API_SECRET_FILE: '${join(dir, "s2")}' is empty`);
    expect(() => readCredentialFiles({ apiKeyFile: good, secretFile: file("s3", "half secret\n") })).toThrow(/white space inside the value/);
  });

  it("stamps the files so that replacing either one changes the stamp", () => {
    const files = { apiKeyFile: file("k4", "a"), secretFile: file("s4", "b") };
    const before = credentialFilesStamp(files);
    expect(credentialFilesStamp(files)).toBe(before);
    writeFileSync(files.secretFile, "bb");
    expect(credentialFilesStamp(files)).not.toBe(before);
    expect(credentialFilesStamp({ ...files, apiKeyFile: join(dir, "gone") })).toMatch(/^missing\|/);
  });

  it("names a key by a fingerprint that does not contain it", () => {
    expect(keyFingerprint("titan-sim-key")).toMatch(/^[0-9a-f]{8}$/);
    expect(keyFingerprint("titan-sim-key")).not.toBe(keyFingerprint("titan-sim-key2"));
  });
});

describe("the key's age", () => {
  it("comes from query-api's createdAt", () => {
    expect(parseKeyCreatedAtMs({ retCode: 0, result: { apiKey: "k", createdAt: "2022-10-16T02:06:40Z" } })).toBe(Date.UTC(2022, 9, 16, 2, 6, 40));
  });

  it("is refused, not guessed, when the reply has no creation time", () => {
    for (const reply of [{}, { result: {} }, { result: { createdAt: "" } }, { result: { createdAt: 1_665_886_000 } }, null]) {
      expect(() => parseKeyCreatedAtMs(reply), JSON.stringify(reply)).toThrow(/createdAt has unexpected value/);
    }
  });

  it("grows with the clock and is never negative", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: -1e9, max: 1e12 }), (createdAtMs, elapsedMs) => {
        const age = keyAgeSeconds(createdAtMs, createdAtMs + elapsedMs);
        expect(age).toBe(Math.max(0, elapsedMs / 1_000));
      }),
    );
  });
});
