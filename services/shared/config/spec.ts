// Describing configuration: one descriptor per environment variable, built with the helpers below so
// the loaded object is typed (a variable with a default or marked required is never undefined).

export type VarKind = "string" | "int" | "port" | "url" | "bool" | "enum" | "duration-ms" | "path";

export type ParseResult<T> = { ok: true; value: T } | { ok: false };

/** A default computed from variables loaded before this one (they load in spec order). */
export interface ComputedDefault<T> {
  /** `loaded` is keyed by variable name (`TITAN_STATE_DIR`). */
  readonly compute: (loaded: Readonly<Record<string, unknown>>) => T;
  /** How .env.example and error messages describe it, e.g. `<TITAN_STATE_DIR>/secrets/...`. */
  readonly describe: string;
}

export type DefaultValue<T> = T | ComputedDefault<T>;

export interface VarSpec<N extends string = string, T = unknown, Present extends boolean = boolean> {
  readonly name: N;
  readonly kind: VarKind;
  readonly description: string;
  /** Secrets may come from `<name>_FILE` and are never echoed in error messages. */
  readonly secret: boolean;
  /** Required with no default: loading fails when it is not set. */
  readonly required: boolean;
  readonly default?: DefaultValue<T>;
  /** Other variables that must be set whenever this one is (e.g. a TLS key with its certificate). */
  readonly requires: readonly string[];
  /** What a valid value looks like, completing "must be ...": `an integer 1-65535`. */
  readonly expected: string;
  readonly parse: (raw: string) => ParseResult<T>;
  /** Type-level only: whether the loaded value is always present. */
  readonly __present?: Present;
}

export type AnyVarSpec = VarSpec<string, unknown, boolean>;

export const isComputedDefault = <T>(value: DefaultValue<T> | undefined): value is ComputedDefault<T> =>
  typeof value === "object" && value !== null && "compute" in value && typeof (value as ComputedDefault<T>).compute === "function";

type CamelFromSnake<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Lowercase<Head>}${Capitalize<CamelFromSnake<Tail>>}` : Lowercase<S>;

/** `TITAN_DATABASE_POOL_MAX` → `databasePoolMax`: the key a variable has in the loaded object. */
export type ConfigKey<N extends string> = CamelFromSnake<N extends `TITAN_${infer Rest}` ? Rest : N>;

export const configKey = <N extends string>(name: N): ConfigKey<N> =>
  name
    .replace(/^TITAN_/, "")
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, next: string) => next.toUpperCase()) as ConfigKey<N>;

/** The loaded, typed configuration of a spec, keyed by `configKey(name)`. */
export type ConfigOf<S extends readonly AnyVarSpec[]> = {
  readonly [V in S[number] as ConfigKey<V["name"]>]: V extends VarSpec<string, infer T, infer P> ? (P extends true ? T : T | undefined) : never;
};

interface CommonOptions<T> {
  readonly description: string;
  readonly secret?: boolean;
  readonly required?: boolean;
  readonly default?: DefaultValue<T>;
  readonly requires?: readonly string[];
}

type IsPresent<O> = O extends { required: true } ? true : O extends { default: infer D } ? (undefined extends D ? false : true) : false;

function define<const N extends string, T, O extends CommonOptions<T>>(
  name: N,
  kind: VarKind,
  options: O,
  expected: string,
  parse: (raw: string) => ParseResult<T>,
): VarSpec<N, T, IsPresent<O>> {
  if (options.required && options.default !== undefined) throw new Error(`${name}: a variable cannot be both required and defaulted`);
  return {
    name,
    kind,
    description: options.description,
    secret: options.secret ?? false,
    required: options.required ?? false,
    ...(options.default === undefined ? {} : { default: options.default }),
    requires: options.requires ?? [],
    expected,
    parse,
  };
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = { ok: false } as const;

export interface StringOptions extends CommonOptions<string> {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  /** Completes "must be ..." when a pattern is given, e.g. `a host name or IP address`. */
  readonly patternHint?: string;
}

export function stringVar<const N extends string, const O extends StringOptions>(name: N, options: O) {
  const { minLength = 1, maxLength, pattern, patternHint } = options;
  const length = maxLength === undefined ? `at least ${minLength} character${minLength === 1 ? "" : "s"}` : `${minLength}-${maxLength} characters`;
  const expected = patternHint ? `${patternHint} (${length})` : maxLength === undefined && minLength === 1 ? "a non-empty string" : `a string of ${length}`;
  return define<N, string, O>(name, "string", options, expected, (raw) =>
    raw.length >= minLength && (maxLength === undefined || raw.length <= maxLength) && (!pattern || pattern.test(raw)) ? ok(raw) : fail,
  );
}

export interface IntOptions extends CommonOptions<number> {
  readonly min?: number;
  readonly max?: number;
}

const describeRange = (min?: number, max?: number) =>
  min !== undefined && max !== undefined ? ` ${min}-${max}` : min !== undefined ? ` >= ${min}` : max !== undefined ? ` <= ${max}` : "";

function parseInteger(raw: string, min?: number, max?: number): ParseResult<number> {
  if (!/^-?\d+$/.test(raw.trim())) return fail;
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) return fail;
  return ok(value);
}

export function intVar<const N extends string, const O extends IntOptions>(name: N, options: O) {
  return define<N, number, O>(name, "int", options, `an integer${describeRange(options.min, options.max)}`, (raw) => parseInteger(raw, options.min, options.max));
}

export interface PortOptions extends CommonOptions<number> {
  /** Accept 0, "any free port": how tests run many servers side by side. */
  readonly allowAnyFree?: boolean;
}

export function portVar<const N extends string, const O extends PortOptions>(name: N, options: O) {
  const min = options.allowAnyFree ? 0 : 1;
  const expected = options.allowAnyFree ? "an integer 0-65535 (0 = any free port)" : "an integer 1-65535";
  return define<N, number, O>(name, "port", options, expected, (raw) => parseInteger(raw, min, 65535));
}

export interface UrlOptions extends CommonOptions<string> {
  /** Accepted schemes without `://`, e.g. `["postgres", "postgresql"]`. */
  readonly schemes: readonly string[];
}

/** Kept as the string given (validated), so credentials and query options survive untouched. */
export function urlVar<const N extends string, const O extends UrlOptions>(name: N, options: O) {
  const expected = `a URL starting ${options.schemes.map((s) => `${s}://`).join(" or ")}`;
  return define<N, string, O>(name, "url", options, expected, (raw) => {
    try {
      const url = new URL(raw);
      return options.schemes.includes(url.protocol.replace(/:$/, "")) && url.host !== "" ? ok(raw) : fail;
    } catch {
      return fail;
    }
  });
}

const TRUE_WORDS = ["true", "1", "yes", "on"];
const FALSE_WORDS = ["false", "0", "no", "off"];

export function boolVar<const N extends string, const O extends CommonOptions<boolean>>(name: N, options: O) {
  return define<N, boolean, O>(name, "bool", options, "true or false (also 1/0, yes/no, on/off)", (raw) => {
    const word = raw.trim().toLowerCase();
    return TRUE_WORDS.includes(word) ? ok(true) : FALSE_WORDS.includes(word) ? ok(false) : fail;
  });
}

export function enumVar<const N extends string, const V extends readonly string[], const O extends CommonOptions<V[number]>>(name: N, values: V, options: O) {
  return define<N, V[number], O>(name, "enum", options, `one of ${values.join(", ")}`, (raw) =>
    (values as readonly string[]).includes(raw) ? ok(raw as V[number]) : fail,
  );
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `250`, `250ms`, `30s`, `5m`, `1.5h` → milliseconds (a bare number is milliseconds). */
export function parseDurationMs(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? "ms"] ?? 1);
  return Number.isSafeInteger(Math.round(value)) ? Math.round(value) : undefined;
}

export function durationMsVar<const N extends string, const O extends IntOptions>(name: N, options: O) {
  const range = describeRange(options.min, options.max);
  return define<N, number, O>(name, "duration-ms", options, `a duration such as 500ms, 30s, 5m or 1h${range ? ` (ms${range})` : ""}`, (raw) => {
    const value = parseDurationMs(raw);
    if (value === undefined || (options.min !== undefined && value < options.min) || (options.max !== undefined && value > options.max)) return fail;
    return ok(value);
  });
}

export function pathVar<const N extends string, const O extends CommonOptions<string>>(name: N, options: O) {
  return define<N, string, O>(name, "path", options, "a file system path", (raw) => (raw.length > 0 && !raw.includes("\0") ? ok(raw) : fail));
}
