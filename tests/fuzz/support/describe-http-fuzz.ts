// The test every HTTP service gets: start it in process, find its routes, fuzz each, and fail with
// every endpoint's first counterexample at once (not only the first endpoint's).
import type fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceName } from "../../../ops/services.js";
import type { FuzzEndpoint, FuzzTarget } from "./fuzz-target.js";
import { formatTallies, fuzzEndpoint, statusTotals, type EndpointTally } from "./http-fuzz.js";
import { fuzzRunSettings } from "./run-settings.js";
import type { JsonSchema } from "./schema-arbitrary.js";

export interface HttpFuzzSpec<S extends ServiceName> {
  readonly start: () => Promise<FuzzTarget<S>>;
  /** Routes the service must have (method and pattern), so a capture that finds nothing fails. */
  readonly expectedRoutes: readonly string[];
  /** Schemas for untyped body fields, by `METHOD url` then JSON pointer. */
  readonly overrides?: Readonly<Record<string, Readonly<Record<string, JsonSchema>>>>;
  /** Bodies the handler accepts beyond what its schema says, by `METHOD url`. */
  readonly validBodies?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /** Roughly how many routes the service has, for the test's timeout. */
  readonly routeCountEstimate: number;
}

/** Requests no route answers (the not-found handler, methods nobody registered), fuzzed like the routes. */
const UNROUTED: readonly FuzzEndpoint[] = [
  { method: "GET", url: "/no-such-route/*", schemas: {}, policy: { kind: "public" } },
  { method: "PUT", url: "/*", schemas: {}, policy: { kind: "public" } },
  { method: "OPTIONS", url: "/*", schemas: {}, policy: { kind: "public" } },
];

export const describeHttpFuzz = <S extends ServiceName>(service: S, spec: HttpFuzzSpec<S>): void => {
  const settings = fuzzRunSettings();
  describe(`${service}: every route under hostile input`, () => {
    let target: FuzzTarget<S>;
    const tallies: EndpointTally[] = [];

    beforeAll(async () => {
      target = await spec.start();
    }, 120_000);

    afterAll(async () => {
      if (tallies.length > 0) {
        const total = tallies.reduce((n, t) => n + t.cases, 0);
        const seconds = tallies.reduce((s, t) => s + t.totalMs, 0) / 1000;
        process.stdout.write(`\nfuzz ${service}: ${total} cases over ${tallies.length} endpoints in ${seconds.toFixed(1)} s [${statusTotals(tallies)}]\n`);
      }
      await target?.stop();
    }, 60_000);

    it("finds every route with the schema it validates against", () => {
      const found = new Set(target.endpoints.map((e) => `${e.method} ${e.url}`));
      for (const route of spec.expectedRoutes) expect(found, `route ${route}`).toContain(route);
      const withSchemas = target.endpoints.filter((e) => Object.keys(e.schemas).length > 0);
      expect(withSchemas.length, "routes whose schemas were captured").toBeGreaterThan(0);
    });

    it(
      "answers every case below 500, as problem+json when it refuses, logs no error and leaves every table as it was when it refuses",
      async () => {
        const failures: string[] = [];
        for (const endpoint of [...target.endpoints, ...UNROUTED]) {
          const key = `${endpoint.method} ${endpoint.url}`;
          if (settings.only && !settings.only.test(`${service} ${key}`)) continue;
          try {
            const overrides = spec.overrides?.[key];
            const validBody = spec.validBodies?.[key];
            const tally = await fuzzEndpoint(target, endpoint, { ...(overrides ? { overrides } : {}), ...(validBody ? { validBody } : {}) });
            tallies.push(tally);
            if (settings.showProgress) process.stdout.write(`${formatTallies([tally])}\n`);
          } catch (err) {
            const cause = (err as Error).cause;
            // What went wrong first, then fast-check's report (counterexample and seed), each cut to a readable length.
            failures.push(`${cause instanceof Error ? cause.message.slice(0, 4_000) : ""}\n${(err as Error).message.slice(0, 4_000)}`);
            if (settings.showProgress) process.stdout.write(`${service} ${key}: FAILED\n${failures.at(-1)?.slice(0, 2_000) ?? ""}\n`);
          }
        }
        expect(failures, failures.join("\n\n")).toEqual([]);
      },
      settings.timeoutMs(settings.runsPerEndpoint * spec.routeCountEstimate),
    );
  });
};
