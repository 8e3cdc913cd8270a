// Bybit v5 request signing, checked the way the exchange does it.
// REST: HMAC-SHA256(secret, timestamp + apiKey + recvWindow + (query string | body)), hex.
// Private WebSocket auth: HMAC-SHA256(secret, "GET/realtime" + expires), hex.

import { hmacSha256Hex, signaturesMatch } from "../sim-common/hmac.js";

export { hmacSha256Hex, signaturesMatch, type ApiCredential } from "../sim-common/hmac.js";

export function restSignature(secret: string, timestampMs: string, apiKey: string, recvWindowMs: string, payload: string): string {
  return hmacSha256Hex(secret, timestampMs + apiKey + recvWindowMs + payload);
}

export function wsAuthSignature(secret: string, expiresMs: string): string {
  return hmacSha256Hex(secret, `GET/realtime${expiresMs}`);
}

/** What Bybit answers when a private request's credentials are wrong. */
export type AuthFailure =
  | { readonly retCode: 10003; readonly retMsg: string }
  | { readonly retCode: 10004; readonly retMsg: string }
  | { readonly retCode: 10002; readonly retMsg: string };

export interface SignedRequest {
  readonly apiKey: string | undefined;
  readonly timestampMs: string | undefined;
  readonly recvWindowMs: string | undefined;
  readonly signature: string | undefined;
  /** The raw query string (GET) or raw body (POST), exactly as sent. */
  readonly payload: string;
}

const DEFAULT_RECV_WINDOW_MS = 5_000;

/** `nowMs` null skips the time-window check (a simulator on a manual clock far from the client's wall clock). */
export function verifyRestRequest(request: SignedRequest, credentials: ReadonlyMap<string, string>, nowMs: number | null): AuthFailure | null {
  if (!request.apiKey || !credentials.has(request.apiKey)) return { retCode: 10003, retMsg: "API key is invalid." };
  const timestampMs = Number(request.timestampMs);
  const recvWindowMs = request.recvWindowMs === undefined ? DEFAULT_RECV_WINDOW_MS : Number(request.recvWindowMs);
  if (!Number.isFinite(timestampMs) || !Number.isFinite(recvWindowMs)) {
    return { retCode: 10002, retMsg: "invalid request, please check your timestamp or recv_window param" };
  }
  // Bybit's rule: timestamp − 1 s ≤ server time < timestamp + recvWindow.
  if (nowMs !== null && (nowMs < timestampMs - 1_000 || nowMs >= timestampMs + recvWindowMs)) {
    return {
      retCode: 10002,
      retMsg: `invalid request, please check your server timestamp or recv_window param. req_timestamp[${request.timestampMs}],server_timestamp[${nowMs}],recv_window[${recvWindowMs}]`,
    };
  }
  const secret = credentials.get(request.apiKey)!;
  const expected = restSignature(secret, request.timestampMs!, request.apiKey, request.recvWindowMs ?? "", request.payload);
  if (!request.signature || !signaturesMatch(expected, request.signature)) {
    return { retCode: 10004, retMsg: "error sign! origin_string[" + `${request.timestampMs}${request.apiKey}${request.recvWindowMs ?? ""}${request.payload}` + "]" };
  }
  return null;
}
