// The autoscaling recording rules, run by the real promtool: each seed trigger (ops/SCALING_TRIGGERS)
// moves the desired replica count only after it has held for its full duration, never one step before.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { SCALING_TRIGGERS, SERVICE_CAPACITY } from "../../ops/index.js";
import { metricNames, scaledObjectSpec, scalingRecordingRules, type AutoscalingTarget } from "../../infra/k8s/autoscaling.js";

const capacity = SERVICE_CAPACITY.console;
if (capacity.scaling.kind !== "horizontal") throw new Error("console is expected to scale horizontally in ops/");
const TARGET: AutoscalingTarget = {
  service: "console",
  namespace: "titan",
  minReplicas: capacity.scaling.minReplicas,
  maxReplicas: capacity.scaling.maxReplicas,
  podNetworkBytesPerSecond: 1_000_000,
};
const STEP_SECONDS = 60;
const HORIZON_STEPS = 3 * 60; // three hours of one-minute samples: longer than every trigger

const dir = mkdtempSync(join(tmpdir(), "titan-autoscaling-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Load {
  readonly cpu: number;
  readonly memory: number;
  readonly network: number;
  readonly replicas: number;
}

/** Series for one pod holding the given utilisations (ratios of requests / pod bandwidth) for the horizon. */
function inputSeries(load: Load) {
  const cpuCores = capacity.cpuRequestMillicores / 1000;
  const memoryBytes = capacity.memoryRequestMiB * 1024 * 1024;
  const pod = 'namespace="titan",pod="console-5d9f8c7b6-x2x9k"';
  const container = `${pod},container="console"`;
  const counter = (perSecond: number) => `0+${perSecond * STEP_SECONDS}x${HORIZON_STEPS}`;
  const constant = (value: number) => `${value}x${HORIZON_STEPS}`;
  return [
    { series: `container_cpu_usage_seconds_total{${container}}`, values: counter(load.cpu * cpuCores) },
    { series: `kube_pod_container_resource_requests{${container},resource="cpu"}`, values: constant(cpuCores) },
    { series: `container_memory_working_set_bytes{${container}}`, values: constant(load.memory * memoryBytes) },
    { series: `kube_pod_container_resource_requests{${container},resource="memory"}`, values: constant(memoryBytes) },
    { series: `container_network_receive_bytes_total{${pod}}`, values: counter(load.network * TARGET.podNetworkBytesPerSecond) },
    { series: `container_network_transmit_bytes_total{${pod}}`, values: counter(0) },
    { series: `kube_pod_info{${pod}}`, values: constant(1) },
    { series: `kube_deployment_spec_replicas{namespace="titan",deployment="console"}`, values: constant(load.replicas) },
  ];
}

const desiredAt = (seconds: number, replicas: number) => ({
  eval_time: `${seconds}s`,
  expr: `${metricNames.desired}{service="console"}`,
  exp_samples: [{ labels: `${metricNames.desired}{service="console"}`, value: replicas }],
});

function promtoolTest(name: string, load: Load, checks: ReturnType<typeof desiredAt>[]): string {
  const rules = join(dir, `${name}-rules.yml`);
  const test = join(dir, `${name}-test.yml`);
  writeFileSync(rules, stringify({ groups: [scalingRecordingRules(TARGET)] }));
  writeFileSync(test, stringify({ rule_files: [rules], evaluation_interval: `${STEP_SECONDS}s`, tests: [{ interval: `${STEP_SECONDS}s`, input_series: inputSeries(load), promql_expr_test: checks }] }));
  return execFileSync("promtool", ["test", "rules", test], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

// Just above / below each ratio, so the test follows ops/ if a threshold changes.
const above = (ratio: number) => Math.min(1, ratio + 0.05);
const below = (ratio: number) => ratio - 0.05;
const IDLE = { cpu: (SCALING_TRIGGERS.cpu.scaleDown.ratio + SCALING_TRIGGERS.cpu.scaleUp.ratio) / 2, memory: (SCALING_TRIGGERS.memory.scaleDown.ratio + SCALING_TRIGGERS.memory.scaleUp.ratio) / 2, network: 0 };

describe("scaling recording rules under promtool", () => {
  it("adds a replica once CPU has stayed above the scale-up ratio for the seed's duration, not before", () => {
    const held = SCALING_TRIGGERS.cpu.scaleUp.sustainedSeconds;
    const out = promtoolTest("cpu-up", { ...IDLE, cpu: above(SCALING_TRIGGERS.cpu.scaleUp.ratio), replicas: 3 }, [
      desiredAt(held - STEP_SECONDS, 3),
      desiredAt(held + 2 * STEP_SECONDS, 4),
    ]);
    expect(out).toContain("SUCCESS");
  });

  it("adds a replica after memory has stayed above its ratio for its own, shorter duration", () => {
    const held = SCALING_TRIGGERS.memory.scaleUp.sustainedSeconds;
    const out = promtoolTest("memory-up", { ...IDLE, memory: above(SCALING_TRIGGERS.memory.scaleUp.ratio), replicas: 2 }, [
      desiredAt(held - STEP_SECONDS, 2),
      desiredAt(held + 2 * STEP_SECONDS, 3),
    ]);
    expect(out).toContain("SUCCESS");
  });

  it("adds a replica after network use has stayed above its ratio of the pod's bandwidth", () => {
    const held = SCALING_TRIGGERS.network.scaleUp.sustainedSeconds;
    const out = promtoolTest("network-up", { ...IDLE, network: above(SCALING_TRIGGERS.network.scaleUp.ratio), replicas: 2 }, [
      desiredAt(held - STEP_SECONDS, 2),
      desiredAt(held + 2 * STEP_SECONDS, 3),
    ]);
    expect(out).toContain("SUCCESS");
  });

  it("removes a replica only when CPU and memory have both been low for their durations", () => {
    const held = Math.max(SCALING_TRIGGERS.cpu.scaleDown.sustainedSeconds, SCALING_TRIGGERS.memory.scaleDown.sustainedSeconds);
    const load = { cpu: below(SCALING_TRIGGERS.cpu.scaleDown.ratio), memory: below(SCALING_TRIGGERS.memory.scaleDown.ratio), network: 0, replicas: 4 };
    const out = promtoolTest("down", load, [desiredAt(held - STEP_SECONDS, 4), desiredAt(held + 2 * STEP_SECONDS, 3)]);
    expect(out).toContain("SUCCESS");
  });

  it("keeps replicas when CPU is low but memory is not", () => {
    const load = { ...IDLE, cpu: below(SCALING_TRIGGERS.cpu.scaleDown.ratio), replicas: 4 };
    expect(promtoolTest("cpu-low-only", load, [desiredAt(HORIZON_STEPS * STEP_SECONDS - STEP_SECONDS, 4)])).toContain("SUCCESS");
  });

  it("never leaves the replica range of ops/", () => {
    const { minReplicas, maxReplicas } = TARGET;
    expect(promtoolTest("at-max", { ...IDLE, cpu: 1, replicas: maxReplicas }, [desiredAt(HORIZON_STEPS * STEP_SECONDS - STEP_SECONDS, maxReplicas)])).toContain("SUCCESS");
    const idle = { cpu: below(SCALING_TRIGGERS.cpu.scaleDown.ratio), memory: below(SCALING_TRIGGERS.memory.scaleDown.ratio), network: 0, replicas: minReplicas };
    expect(promtoolTest("at-min", idle, [desiredAt(HORIZON_STEPS * STEP_SECONDS - STEP_SECONDS, minReplicas)])).toContain("SUCCESS");
  });

  it("fails the promtool run when the expected count is wrong (the harness can fail)", () => {
    expect(() => promtoolTest("wrong", { ...IDLE, replicas: 3 }, [desiredAt(30 * STEP_SECONDS, 4)])).toThrow(/FAILED/);
  });
});

describe("the KEDA ScaledObject", () => {
  it("follows the desired-replicas series one-for-one within ops/' replica range, one step per period", () => {
    const spec = scaledObjectSpec(TARGET, { prometheusUrl: "http://prometheus:9090", scaleStepSeconds: 120 }) as Record<string, never>;
    expect(spec).toMatchObject({ minReplicaCount: TARGET.minReplicas, maxReplicaCount: TARGET.maxReplicas });
    expect(spec.triggers).toEqual([
      expect.objectContaining({ type: "prometheus", metricType: "AverageValue", metadata: expect.objectContaining({ threshold: "1", query: `${metricNames.desired}{service="console"}` }) }),
    ]);
    expect(JSON.stringify(spec)).toContain('"periodSeconds":120');
  });

  it("refuses an empty replica range", () => {
    expect(() => scalingRecordingRules({ ...TARGET, minReplicas: 3, maxReplicas: 2 })).toThrow(/minReplicas <= maxReplicas/);
  });
});
