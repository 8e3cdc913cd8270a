// Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s) through otpauth. A code is accepted
// within one step either side of now (clock drift), and only once: the step it matched must be later
// than the last step accepted for that user (RFC 6238 §5.2), so a code seen over a shoulder is spent.
import { Secret, TOTP } from "otpauth";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const WINDOW_STEPS = 1;
const ISSUER = "Titan";

export type TotpVerdict = { readonly ok: true; readonly step: number } | { readonly ok: false; readonly reason: "malformed" | "wrong" | "replayed" };

/** A new random secret (160 bits, as RFC 4226 recommends), base32. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

const totpOf = (secretBase32: string, label = "operator"): TOTP =>
  new TOTP({ issuer: ISSUER, label, algorithm: "SHA1", digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });

/** The otpauth:// URI an authenticator app imports. */
export const totpUri = (secretBase32: string, username: string): string => totpOf(secretBase32, username).toString();

/** The time step `nowMs` falls in. */
export const totpStep = (nowMs: number): number => Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);

/** The code for the step `nowMs` falls in (tests and the bench play the authenticator app with it). */
export const totpCode = (secretBase32: string, nowMs: number): string => totpOf(secretBase32).generate({ timestamp: nowMs });

export const verifyTotp = (secretBase32: string, code: string, nowMs: number, lastStep: number | null): TotpVerdict => {
  if (!new RegExp(`^[0-9]{${TOTP_DIGITS}}$`).test(code)) return { ok: false, reason: "malformed" };
  const delta = totpOf(secretBase32).validate({ token: code, timestamp: nowMs, window: WINDOW_STEPS });
  if (delta === null) return { ok: false, reason: "wrong" };
  const step = totpStep(nowMs) + delta;
  if (lastStep !== null && step <= lastStep) return { ok: false, reason: "replayed" };
  return { ok: true, step };
};
