// Fuzzing the brain's HTTP API: every route, bodies, queries, path parameters, headers and credentials.
import fc from "fast-check";
import { createBrainService } from "../../services/brain/service.js";
import { describeHttpFuzz } from "./support/describe-http-fuzz.js";
import { startFuzzTarget } from "./support/fuzz-target.js";

/** An override the brain accepts: three weights summing to 1, at most 24 hours. */
const acceptableOverride = fc
  .tuple(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 1_000 }), fc.double({ min: 0.01, max: 24, noNaN: true }), fc.string({ minLength: 1, maxLength: 80 }))
  .map(([a, b, hours, reason]) => {
    const [low, high] = a <= b ? [a, b] : [b, a];
    return { weights: { 1: low / 1_000, 2: (high - low) / 1_000, 3: (1_000 - high) / 1_000 }, hours, reason };
  });

describeHttpFuzz("brain", {
  start: async () => startFuzzTarget(createBrainService({ env: {} })),
  expectedRoutes: ["GET /status", "GET /decisions", "POST /breaker/reset", "POST /override", "DELETE /override", "POST /phases", "GET /treasury", "GET /metrics", "GET /docs/json"],
  validBodies: { "POST /override": acceptableOverride },
  routeCountEstimate: 40,
});
