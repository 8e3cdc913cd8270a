// Runs the fuzz cases of one endpoint against a service running in this process and checks each:
// never a 5xx, a refusal is problem+json, no error in the service's log, no pollution of
// Object.prototype, and every table of every schema unchanged by a refused (4xx) request.
import fc from "fast-check";
import type { ServiceName } from "../../../ops/services.js";
import { httpCase, type HttpCase } from "./http-case.js";
import type { FuzzEndpoint, FuzzTarget } from "./fuzz-target.js";
import type { JsonSchema } from "./schema-arbitrary.js";
import { changedTables, type TableChecksums } from "./table-checksum.js";
import { fuzzRunSettings } from "./run-settings.js";

export interface EndpointTally {
  readonly endpoint: string;
  cases: number;
  readonly statuses: Record<string, number>;
  readonly bodies: Record<string, number>;
  slowestMs: number;
  totalMs: number;
}

export class FuzzCaseFailure extends Error {}

const PROBLEM_JSON = /^application\/problem\+json/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const prototypeKeys = (): string => Object.getOwnPropertyNames(Object.prototype).sort().join(",");
const PRISTINE_PROTOTYPE = prototypeKeys();

const describeCase = (c: HttpCase): string => {
  const body = c.payload === undefined ? "(no body)" : c.payload.length > 300 ? `${c.payload.slice(0, 300)}… (${c.payload.length} chars)` : c.payload;
  return `${c.method} ${c.url.length > 300 ? `${c.url.slice(0, 300)}…` : c.url} as ${c.credential} headers=${JSON.stringify(c.headers)} body=${body}`;
};

export interface FuzzEndpointOptions {
  readonly numRuns?: number;
  /** Schemas for untyped fields of this endpoint's body, by JSON pointer. */
  readonly overrides?: Readonly<Record<string, JsonSchema>>;
  /** Bodies the handler accepts beyond the schema (see HttpCaseOptions.validBody). */
  readonly validBody?: fc.Arbitrary<unknown>;
}

export const fuzzEndpoint = async <S extends ServiceName>(target: FuzzTarget<S>, endpoint: FuzzEndpoint, opts: FuzzEndpointOptions = {}): Promise<EndpointTally> => {
  const settings = fuzzRunSettings();
  const tally: EndpointTally = { endpoint: `${target.service} ${endpoint.method} ${endpoint.url}`, cases: 0, statuses: {}, bodies: {}, slowestMs: 0, totalMs: 0 };
  const started = performance.now();
  // Whatever the service was still doing (its start-up messages being relayed) finishes first.
  let baseline: TableChecksums | null = await target.checksums.settled();

  const property = fc.asyncProperty(httpCase(endpoint, { bodyLimitBytes: target.bodyLimitBytes, ...(opts.overrides ? { overrides: opts.overrides } : {}), ...(opts.validBody ? { validBody: opts.validBody } : {}) }), async (c) => {
    const before = baseline ?? (await target.checksums.take());
    baseline = null;
    const authorization = c.credential === "none" ? undefined : c.credential === "junk" ? c.junkAuthorization : target.authorization[c.credential];
    target.logs.take(); // lines from before this case belong to no case
    const t0 = performance.now();
    const res = await target.app.inject({
      method: c.method as "GET",
      url: c.url,
      headers: { ...c.headers, ...(authorization !== undefined ? { authorization } : {}) },
      ...(c.payload !== undefined ? { payload: c.payload } : {}),
    });
    const elapsedMs = performance.now() - t0;
    tally.cases += 1;
    tally.statuses[res.statusCode] = (tally.statuses[res.statusCode] ?? 0) + 1;
    tally.bodies[c.bodyKind] = (tally.bodies[c.bodyKind] ?? 0) + 1;
    tally.slowestMs = Math.max(tally.slowestMs, elapsedMs);

    const fail = (what: string): never => {
      throw new FuzzCaseFailure(`${tally.endpoint}: ${what}\n  case: ${describeCase(c)}\n  answer: ${res.statusCode} ${res.body.slice(0, 500)}`);
    };
    if (res.statusCode >= 500) fail(`answered ${res.statusCode}`);
    const errors = target.logs.takeErrors();
    if (errors.length > 0) fail(`the service logged ${errors.length} error line(s): ${JSON.stringify(errors).slice(0, 1_500)}`);
    if (prototypeKeys() !== PRISTINE_PROTOTYPE || ({} as Record<string, unknown>).polluted !== undefined) fail("Object.prototype was polluted");
    if (res.statusCode >= 400 && c.method !== "HEAD" && !PROBLEM_JSON.test(String(res.headers["content-type"] ?? ""))) fail(`a ${res.statusCode} that is not problem+json (${String(res.headers["content-type"])})`);
    // A refusal changes nothing, and neither does a read, whatever it answered.
    if (res.statusCode >= 400 || SAFE_METHODS.has(c.method)) {
      const after = await target.checksums.take();
      baseline = after;
      const changed = changedTables(before, after);
      if (changed.length > 0) fail(`a ${res.statusCode >= 400 ? "refused request" : "read"} changed ${changed.join(", ")}`);
    } else {
      baseline = await target.checksums.settled();
    }
  });

  await fc.assert(property, { numRuns: opts.numRuns ?? settings.runsPerEndpoint, ...(settings.seed !== undefined ? { seed: settings.seed } : {}), endOnFailure: !settings.shrink });
  tally.totalMs = performance.now() - started;
  return tally;
};

/** Status codes over every endpoint: `200×1520 400×3012 …`. */
export const statusTotals = (tallies: readonly EndpointTally[]): string => {
  const totals: Record<string, number> = {};
  for (const t of tallies) for (const [status, n] of Object.entries(t.statuses)) totals[status] = (totals[status] ?? 0) + n;
  return Object.entries(totals).sort().map(([s, n]) => `${s}×${n}`).join(" ");
};

/** One line per endpoint: cases, statuses, body kinds, slowest case. */
export const formatTallies = (tallies: readonly EndpointTally[]): string =>
  tallies
    .map((t) => {
      const statuses = Object.entries(t.statuses).sort().map(([s, n]) => `${s}×${n}`).join(" ");
      return `${t.endpoint.padEnd(60)} ${String(t.cases).padStart(6)} cases  ${(t.totalMs / 1000).toFixed(1).padStart(6)} s  slowest ${t.slowestMs.toFixed(0)} ms  [${statuses}]`;
    })
    .join("\n");
