// ccxt's exceptions → VenueError, once, at the boundary. ccxt maps no Bybit code to DuplicateOrderId, so
// a duplicate orderLinkId is recognised by its code in the message (30001, or 110072 on v5 linear).
// Classes are matched by name along the prototype chain, so the mapping does not depend on which copy
// of ccxt's error module created the exception.

import { VenueError, type VenueErrorKind } from "../venue.js";

const DUPLICATE_CODES = ["30001", "110072"];

/** Class names from the error's own class up to Error. */
export function errorClassChain(err: unknown): string[] {
  const names: string[] = [];
  let proto = typeof err === "object" && err !== null ? Object.getPrototypeOf(err) : null;
  while (proto && proto !== Object.prototype && names.length < 12) {
    const name = (proto.constructor as { name?: string } | undefined)?.name;
    if (name) names.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

const RET_CODE = /"retCode"\s*:\s*"?(\d+)/;

export function bybitRetCode(err: unknown): string | null {
  const message = err instanceof Error ? err.message : String(err);
  return RET_CODE.exec(message)?.[1] ?? null;
}

const has = (chain: readonly string[], ...names: string[]) => names.some((n) => chain.includes(n));

export function classifyCcxtError(err: unknown): VenueErrorKind {
  const chain = errorClassChain(err);
  const retCode = bybitRetCode(err);
  if (retCode !== null && DUPLICATE_CODES.includes(retCode)) return "duplicate";
  if (has(chain, "DuplicateOrderId")) return "duplicate";
  if (has(chain, "RateLimitExceeded", "DDoSProtection")) return "rate-limited";
  if (has(chain, "OrderNotFound")) return "not-found";
  if (has(chain, "AuthenticationError", "ExchangeNotAvailable", "OnMaintenance", "AccountSuspended")) return "unavailable";
  // A timeout or a dropped connection says nothing about whether the request took effect.
  if (has(chain, "RequestTimeout", "NetworkError", "BadResponse", "NullResponse")) return "outcome-unknown";
  if (has(chain, "InvalidOrder", "InsufficientFunds", "BadSymbol", "BadRequest", "ArgumentsRequired", "NotSupported", "OperationRejected", "ExchangeError")) return "refused";
  return "outcome-unknown";
}

/** Bybit refuses a bad signature with the string it signed — our API key inside — echoed in its message. */
const SIGNED_STRING = /origin_string\[[^\]]*\]?/g;

export const scrubVenueMessage = (message: string): string => message.replace(SIGNED_STRING, "origin_string[redacted]");

/**
 * Wraps any error thrown by ccxt (or our parsing of its answer) as a VenueError. The message is
 * scrubbed and ccxt's error is not kept as the cause: loggers print a cause's message too.
 */
export function toVenueError(err: unknown, what: string): VenueError {
  if (err instanceof VenueError) return err;
  const kind = classifyCcxtError(err);
  const code = bybitRetCode(err) ?? errorClassChain(err)[0] ?? "unknown";
  const message = scrubVenueMessage(err instanceof Error ? err.message : String(err));
  return new VenueError(kind, code, `${what}: ${message.slice(0, 500)}`);
}
