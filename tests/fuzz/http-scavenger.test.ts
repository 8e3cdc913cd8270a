// Fuzzing the scavenger's HTTP API: traps, status and the parameter versions (create, activate, read),
// whose untyped `parameters` field is generated from the scavenger's own parameter schema.
import fc from "fast-check";
import { createScavengerService } from "../../services/scavenger/service.js";
import { ScavengerParametersSchema } from "../../services/scavenger/domain/index.js";
import { describeHttpFuzz } from "./support/describe-http-fuzz.js";
import { startFuzzTarget } from "./support/fuzz-target.js";
import type { JsonSchema } from "./support/schema-arbitrary.js";

describeHttpFuzz("scavenger", {
  start: async () => startFuzzTarget(createScavengerService({ warmupEntries: 100 })),
  expectedRoutes: ["GET /traps", "GET /status", "GET /config/versions", "GET /config/active", "GET /config/versions/:version", "POST /config/versions", "POST /config/versions/:version/activate"],
  overrides: { "POST /config/versions": { "/parameters": ScavengerParametersSchema as JsonSchema } },
  // Partial sets take the documented defaults: these pass the cross-field checks a random full set rarely does.
  validBodies: { "POST /config/versions": fc.record({ parameters: fc.constantFrom({}, { schemaVersion: 1 }, { maxOpenPositions: 2 }, { cooldownSeconds: 120 }), reason: fc.string({ minLength: 1, maxLength: 60 }) }) },
  routeCountEstimate: 36,
});
