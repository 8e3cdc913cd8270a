// Observed use: the right-sizing queries are valid PromQL for Prometheus 2.42 (promtool, against a
// throwaway Prometheus), the HTTP adapter asks them and returns the saved form, and both a saved answer
// and a VPA list parse, with clear errors for anything else.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startThrowawayPrometheus, type ThrowawayPrometheus } from "../../dashboards/testing/throwaway-prometheus.js";
import { observedQueries, parseObserved, parseVpaList, queryPrometheus } from "./observed.js";

const saved = JSON.parse(readFileSync(new URL("./fixtures/observed-prometheus.json", import.meta.url), "utf8")) as { cpu: unknown; memory: unknown };

let prometheus: ThrowawayPrometheus;
let server: Server;
const asked: string[] = [];

beforeAll(async () => {
  prometheus = await startThrowawayPrometheus();
  // Answers like Prometheus's /api/v1/query with the saved answers, and notes what it was asked.
  server = createServer((req, res) => {
    const query = new URL(req.url ?? "/", "http://x").searchParams.get("query") ?? "";
    asked.push(`${req.url?.split("?")[0]} ${query}`);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(query.includes("cpu_seconds") ? saved.cpu : saved.memory));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
}, 30_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe("observed use", () => {
  it("asks Prometheus queries its parser accepts (and a broken one is caught by the same check)", async () => {
    const q = observedQueries("7d");
    expect(await prometheus.queryError(q.cpu)).toBeNull();
    expect(await prometheus.queryError(q.memory)).toBeNull();
    expect(await prometheus.queryError(q.cpu.slice(0, -1))).toMatch(/parse error/);
    expect(q.cpu).toContain("quantile_over_time(0.95, (max by (service) (rate(titan_brain_process_cpu_seconds_total[5m])))[7d:5m])");
    expect(q.memory).toContain("titan_scavenger_process_resident_memory_bytes");
    expect(q.cpu).not.toContain("ai_quant"); // a job has no steady series
    expect(() => observedQueries("a week")).toThrow(/Prometheus duration/);
  }, 30_000);

  it("queries the HTTP API and returns what a saved file holds, so the two paths give one result", async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const answer = await queryPrometheus(url, "1h");
    expect(asked.map((a) => a.split(" ")[0])).toEqual(["/api/v1/query", "/api/v1/query"]);
    expect(answer.queries).toEqual(observedQueries("1h"));
    const fromApi = parseObserved(answer, url);
    const fromFile = parseObserved(JSON.parse(readFileSync(new URL("./fixtures/observed-prometheus.json", import.meta.url), "utf8")), "file");
    expect(fromApi.services).toEqual(fromFile.services);
    expect(fromFile.services.brain).toEqual({ cpuCoresP95: 0.014499506140350869, memoryBytesP95: 120190975.99999997 });
  });

  it("refuses an answer that is not a successful instant vector, naming it", () => {
    expect(() => parseObserved({ window: "7d", cpu: { status: "error", error: "bad" }, memory: {} }, "x.json")).toThrow(/x.json cpu: not a successful Prometheus instant-vector answer/);
    expect(() => parseObserved({ cpu: {} }, "y.json")).toThrow(/y.json: not a saved observation/);
  });
});

describe("VPA recommendations", () => {
  it("reads each container's target from kubectl get vpa -A -o json, skipping VPAs with no recommendation yet", () => {
    const targets = parseVpaList(JSON.parse(readFileSync(new URL("./fixtures/vpa.json", import.meta.url), "utf8")), "vpa.json");
    expect(targets).toEqual([
      { workload: "brain", container: "brain", cpuCores: 0.063, memoryBytes: 262_144_000 },
      { workload: "execution", container: "execution", cpuCores: 0.1, memoryBytes: 300 * 2 ** 20 },
      { workload: "console", container: "console", cpuCores: 0.587, memoryBytes: 500 * 2 ** 20 },
    ]);
    expect(() => parseVpaList({ kind: "Pod" }, "pod.json")).toThrow(/pod.json: not a VerticalPodAutoscalerList/);
  });
});
