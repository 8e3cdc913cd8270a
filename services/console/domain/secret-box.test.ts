import { describe, expect, it } from "vitest";
import { secretBox } from "./secret-box.js";

const KEY = "k".repeat(40);

describe("secret box", () => {
  it("opens what it sealed, differently each time", () => {
    const box = secretBox(KEY);
    const a = box.seal("JBSWY3DPEHPK3PXP");
    expect(box.open(a)).toBe("JBSWY3DPEHPK3PXP");
    expect(box.seal("JBSWY3DPEHPK3PXP").equals(a)).toBe(false);
  });

  it("refuses a box sealed with another key, or altered", () => {
    const sealed = secretBox(KEY).seal("secret");
    expect(() => secretBox("o".repeat(40)).open(sealed)).toThrow();
    const altered = Buffer.from(sealed);
    altered.writeUInt8((altered.at(-1) ?? 0) ^ 1, altered.length - 1);
    expect(() => secretBox(KEY).open(altered)).toThrow();
    expect(() => secretBox(KEY).open(Buffer.alloc(5))).toThrow(/too short/);
  });

  it("refuses short key material", () => {
    expect(() => secretBox("short")).toThrow(/at least 32/);
  });
});
