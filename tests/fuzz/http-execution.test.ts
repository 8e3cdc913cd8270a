// Fuzzing execution's HTTP API (paper venue, no market-data feed): positions, orders, controls and the
// emergency routes, with every kind of body, query, path parameter, header and credential.
import { createExecutionService } from "../../services/execution/service.js";
import { describeHttpFuzz } from "./support/describe-http-fuzz.js";
import { startFuzzTarget } from "./support/fuzz-target.js";

describeHttpFuzz("execution", {
  start: async () => startFuzzTarget(createExecutionService({ env: {}, marketData: null })),
  expectedRoutes: ["GET /positions", "GET /orders", "GET /controls/:runId", "POST /halt", "POST /resume", "POST /cancel-all", "POST /flatten", "POST /reconcile"],
  routeCountEstimate: 40,
});
