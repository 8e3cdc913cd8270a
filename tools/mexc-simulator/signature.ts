// MEXC spot v3 request signing, checked the way the exchange does it: the signature is
// HMAC-SHA256(secret, totalParams) in hex, where totalParams is the query string without the signature
// parameter followed by the request body; the key travels in the X-MEXC-APIKEY header; a request is
// taken only when timestamp < server time + 1 s and server time − timestamp ≤ recvWindow (≤ 60 s).

import { hmacSha256Hex, signaturesMatch } from "../sim-common/hmac.js";

export interface MexcAuthFailure {
  readonly httpStatus: number;
  readonly code: number;
  readonly msg: string;
}

export interface MexcSignedRequest {
  readonly apiKey: string | undefined;
  /** The raw query string as sent (without the leading `?`), signature included. */
  readonly rawQuery: string;
  readonly rawBody: string;
}

const DEFAULT_RECV_WINDOW_MS = 5_000;
const MAX_RECV_WINDOW_MS = 60_000;

/** The query string without its `signature` parameter, and that parameter's value. */
export function splitSignature(rawQuery: string): { signed: string; signature: string | undefined } {
  const parts = rawQuery.split("&").filter((p) => p.length > 0);
  const signature = parts.find((p) => p.startsWith("signature="))?.slice("signature=".length);
  return { signed: parts.filter((p) => !p.startsWith("signature=")).join("&"), signature };
}

export const mexcSignature = (secret: string, totalParams: string): string => hmacSha256Hex(secret, totalParams);

/** `nowMs` null skips the time-window check (a simulator on a manual clock). */
export function verifyMexcRequest(request: MexcSignedRequest, credentials: ReadonlyMap<string, string>, nowMs: number | null): MexcAuthFailure | null {
  if (!request.apiKey || !credentials.has(request.apiKey)) return { httpStatus: 400, code: 10072, msg: "Api key info invalid" };
  const { signed, signature } = splitSignature(request.rawQuery);
  const params = new URLSearchParams(signed + (request.rawBody && !request.rawBody.startsWith("{") ? `&${request.rawBody}` : ""));
  const timestampMs = Number(params.get("timestamp"));
  const recvWindowMs = params.has("recvWindow") ? Number(params.get("recvWindow")) : DEFAULT_RECV_WINDOW_MS;
  if (!Number.isFinite(recvWindowMs) || recvWindowMs > MAX_RECV_WINDOW_MS) return { httpStatus: 400, code: 700005, msg: "recvWindow must less than 60000" };
  if (!Number.isFinite(timestampMs) || (nowMs !== null && !(timestampMs < nowMs + 1_000 && nowMs - timestampMs <= recvWindowMs))) {
    return { httpStatus: 400, code: 700003, msg: "Timestamp for this request is outside of the recvWindow." };
  }
  const expected = mexcSignature(credentials.get(request.apiKey)!, signed + request.rawBody);
  if (!signature || !signaturesMatch(expected, signature)) return { httpStatus: 400, code: 700002, msg: "Signature for this request is not valid." };
  return null;
}
