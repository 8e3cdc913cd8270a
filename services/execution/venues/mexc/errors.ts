// ccxt's exceptions from the mexc class → VenueError, once, at the boundary. ccxt maps few of MEXC's
// spot codes to a class, so the code in the body ({"code":-2013,...}) decides first.

import { errorClassChain, scrubVenueMessage } from "../bybit/errors.js";
import { VenueError, type VenueErrorKind } from "../venue.js";

const CODE = /"code"\s*:\s*"?(-?\d+)/;

export function mexcCode(err: unknown): string | null {
  return CODE.exec(err instanceof Error ? err.message : String(err))?.[1] ?? null;
}

const BY_CODE: Readonly<Record<string, VenueErrorKind>> = {
  "-2010": "duplicate",
  "-2013": "not-found",
  "-2011": "not-found",
  "429": "rate-limited",
  "510": "rate-limited",
  "504": "outcome-unknown",
  "10072": "unavailable",
  "700002": "unavailable",
  "700003": "outcome-unknown",
};

export function classifyMexcError(err: unknown): VenueErrorKind {
  const code = mexcCode(err);
  if (code !== null && BY_CODE[code]) return BY_CODE[code];
  const chain = errorClassChain(err);
  const has = (...names: string[]) => names.some((n) => chain.includes(n));
  if (has("RateLimitExceeded", "DDoSProtection")) return "rate-limited";
  if (has("OrderNotFound")) return "not-found";
  if (has("AuthenticationError", "PermissionDenied", "ExchangeNotAvailable", "OnMaintenance", "AccountSuspended")) return "unavailable";
  if (has("RequestTimeout", "NetworkError", "BadResponse", "NullResponse")) return "outcome-unknown";
  if (has("InvalidOrder", "InsufficientFunds", "BadSymbol", "BadRequest", "ArgumentsRequired", "NotSupported", "ExchangeError")) return "refused";
  return "outcome-unknown";
}

export function toMexcVenueError(err: unknown, what: string): VenueError {
  if (err instanceof VenueError) return err;
  const code = mexcCode(err) ?? errorClassChain(err)[0] ?? "unknown";
  return new VenueError(classifyMexcError(err), code, `${what}: ${scrubVenueMessage(err instanceof Error ? err.message : String(err)).slice(0, 500)}`);
}
