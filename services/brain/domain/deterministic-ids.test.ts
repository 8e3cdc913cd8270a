import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ClientOrderId, Uuid, checkSchema } from "../../shared/contracts/index.js";
import { base32, clientOrderIdFor, deterministicUuid } from "./deterministic-ids.js";

describe("deterministic ids", () => {
  test("base32 follows RFC 4648 (test vectors, without padding)", () => {
    const enc = (text: string) => base32(Buffer.from(text, "utf8"));
    expect(enc("")).toBe("");
    expect(enc("f")).toBe("MY");
    expect(enc("fo")).toBe("MZXQ");
    expect(enc("foo")).toBe("MZXW6");
    expect(enc("foob")).toBe("MZXW6YQ");
    expect(enc("fooba")).toBe("MZXW6YTB");
    expect(enc("foobar")).toBe("MZXW6YTBOI");
  });

  test("the same signal always gets the same client order id, a valid Bybit orderLinkId", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.constantFrom("entry", "sl", "tp1"), (signalId, leg) => {
        const id = clientOrderIdFor(signalId, leg);
        expect(id).toBe(clientOrderIdFor(signalId, leg));
        expect(id).toHaveLength(35);
        expect(checkSchema(ClientOrderId, id).ok).toBe(true);
      }),
    );
    expect(clientOrderIdFor("a")).not.toBe(clientOrderIdFor("b"));
    expect(clientOrderIdFor("a", "entry")).not.toBe(clientOrderIdFor("a", "sl"));
  });

  test("derived UUIDs are valid, stable, version 8, and differ by kind and parts", () => {
    const id = deterministicUuid("decision", "s-1");
    expect(checkSchema(Uuid, id).ok).toBe(true);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicUuid("decision", "s-1")).toBe(id);
    expect(deterministicUuid("order-command", "s-1")).not.toBe(id);
    // Parts are delimited: ("ab", "c") and ("a", "bc") are different inputs.
    expect(deterministicUuid("k", "ab", "c")).not.toBe(deterministicUuid("k", "a", "bc"));
  });
});
