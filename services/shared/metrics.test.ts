import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_SECONDS, ServiceMetrics } from "./metrics.js";

describe("ServiceMetrics", () => {
  it("prefixes names with the service and rejects names without a base unit", () => {
    const metrics = new ServiceMetrics("ai-quant", { defaultMetrics: false });
    expect(metrics.name("runs_total")).toBe("titan_ai_quant_runs_total");
    expect(() => metrics.name("latency_ms")).toThrow(/base units/);
    expect(() => metrics.name("Runs")).toThrow();
  });

  it("registers default process metrics, the database histogram and the auth-failure counter", async () => {
    const metrics = new ServiceMetrics("brain");
    metrics.authFailuresTotal.inc({ reason: "missing_token", route: "/x" });
    const text = await metrics.registry.metrics();
    expect(text).toContain("titan_brain_process_resident_memory_bytes");
    expect(text).toContain("# TYPE titan_brain_db_statement_duration_seconds histogram");
    expect(text).toMatch(/titan_brain_auth_failures_total\{reason="missing_token",route="\/x",service="brain"\} 1/);
  });

  it("has buckets below a millisecond and exact edges at the seed's 100 ms and 200 ms thresholds", () => {
    expect(LATENCY_BUCKETS_SECONDS.filter((b) => b < 0.001).length).toBeGreaterThanOrEqual(3);
    expect(LATENCY_BUCKETS_SECONDS).toContain(0.1);
    expect(LATENCY_BUCKETS_SECONDS).toContain(0.2);
    expect([...LATENCY_BUCKETS_SECONDS].sort((a, b) => a - b)).toEqual(LATENCY_BUCKETS_SECONDS);
  });

  it("returns the same metric when asked twice", () => {
    const metrics = new ServiceMetrics("console", { defaultMetrics: false });
    expect(metrics.counter("logins_total", "x")).toBe(metrics.counter("logins_total", "x"));
  });
});
