// ccxt's exceptions, as its bybit class raises them for the simulator's faults, map to what to do next.
import ccxt from "ccxt";
import { describe, expect, it } from "vitest";
import { classifyCcxtError, toVenueError } from "./errors.js";

describe("classifying ccxt errors", () => {
  it("maps each fault to the next step", () => {
    expect(classifyCcxtError(new ccxt.BadRequest('bybit {"retCode":30001,"retMsg":"order_link_id is repeated"}'))).toBe("duplicate");
    expect(classifyCcxtError(new ccxt.InvalidOrder('bybit {"retCode":110072,"retMsg":"OrderLinkedID is duplicate"}'))).toBe("duplicate");
    expect(classifyCcxtError(new ccxt.RateLimitExceeded("bybit 10006"))).toBe("rate-limited");
    expect(classifyCcxtError(new ccxt.RequestTimeout("bybit 10016"))).toBe("outcome-unknown");
    expect(classifyCcxtError(new ccxt.NetworkError("fetch failed: other side closed"))).toBe("outcome-unknown");
    expect(classifyCcxtError(new ccxt.AuthenticationError("bad key"))).toBe("unavailable");
    expect(classifyCcxtError(new ccxt.ExchangeNotAvailable("down"))).toBe("unavailable");
    expect(classifyCcxtError(new ccxt.InsufficientFunds("110007"))).toBe("refused");
    expect(classifyCcxtError(new ccxt.BadSymbol("Not supported symbols"))).toBe("refused");
    expect(classifyCcxtError(new ccxt.OrderNotFound("110001"))).toBe("not-found");
    expect(classifyCcxtError(new TypeError("boom"))).toBe("outcome-unknown");
  });

  it("keeps Bybit's code for the metric", () => {
    const e = toVenueError(new ccxt.BadRequest('bybit {"retCode":110043,"retMsg":"leverage not modified"}'), "leverage");
    expect(e).toMatchObject({ kind: "refused", code: "110043" });
    expect(toVenueError(new ccxt.NetworkError("closed"), "x").code).toBe("NetworkError");
  });

  it("never carries the API key Bybit echoes when it refuses a signature, in the message or a cause", () => {
    const refusal = new ccxt.AuthenticationError('bybit {"retCode":10004,"retMsg":"error sign! origin_string[1795497118365myApiKey12345000category=linear]","result":{}}');
    const e = toVenueError(refusal, "positions");
    expect(e).toMatchObject({ kind: "unavailable", code: "10004" });
    expect(e.message).toContain("origin_string[redacted]");
    expect(`${e.message} ${String(e.cause)} ${e.stack ?? ""}`).not.toContain("myApiKey1234");
  });
});
