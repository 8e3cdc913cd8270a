// Bybit's reply envelope and the parameter readers every endpoint shares. A bad parameter answers
// retCode 10001 with the reason, as Bybit does, and changes nothing.

import type { JsonObject } from "./bybit-json.js";

export interface BybitReply {
  readonly retCode: number;
  readonly retMsg: string;
  readonly result: JsonObject;
  readonly retExtInfo: JsonObject;
}

export const ok = (result: JsonObject): BybitReply => ({ retCode: 0, retMsg: "OK", result, retExtInfo: {} });
export const fail = (retCode: number, retMsg: string): BybitReply => ({ retCode, retMsg, result: {}, retExtInfo: {} });

export type Params = Readonly<Record<string, unknown>>;

export class ParamError extends Error {}

/** A string parameter; numbers are accepted and stringified (ccxt sends both). */
export function text(params: Params, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new ParamError(`params error: ${key} must be a string`);
}

export function requiredText(params: Params, key: string): string {
  const value = text(params, key);
  if (value === undefined) throw new ParamError(`params error: ${key} is required`);
  return value;
}

const DECIMAL = /^-?\d+(\.\d+)?(e-?\d+)?$/i;

export function decimal(params: Params, key: string): number | undefined {
  const value = text(params, key);
  if (value === undefined) return undefined;
  if (!DECIMAL.test(value)) throw new ParamError(`params error: ${key} must be a decimal number, got "${value}"`);
  return Number(value);
}

/** A price where "0" means "none" (how Bybit clears a take profit or stop loss). */
export function optionalPrice(params: Params, key: string): number | null | undefined {
  const value = decimal(params, key);
  if (value === undefined) return undefined;
  return value === 0 ? null : value;
}

export function flag(params: Params, key: string): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (value === true || value === "true" || value === 1 || value === "1") return true;
  if (value === false || value === "false" || value === 0 || value === "0") return false;
  throw new ParamError(`params error: ${key} must be a boolean`);
}

export function limit(params: Params, fallback: number, max: number): number {
  const value = decimal(params, "limit");
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ParamError(`params error: limit must be an integer in [1, ${max}]`);
  return value;
}

/** Runs an endpoint body, turning a ParamError into Bybit's 10001 reply. */
export function guarded(body: () => BybitReply): BybitReply {
  try {
    return body();
  } catch (error) {
    if (error instanceof ParamError) return fail(10001, error.message);
    throw error;
  }
}
