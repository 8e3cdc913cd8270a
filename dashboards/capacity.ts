// Capacity: the host's CPU, memory, disk and network against the seed's scaling triggers, each
// service's process against its memory budget, then PostgreSQL and Redis (datastores.ts).
import { ALERT_THRESHOLDS, MEMORY_BUDGETS, SCALING_TRIGGERS, SERVICE_CAPACITY, promDuration, type ScalingTrigger, type ServiceName } from "../ops/index.js";
import { postgresRow, redisRow } from "./datastores.js";
import { duration, mib, percent } from "./lib/format.js";
import { RATE_INTERVAL, SCRAPED_SERVICES, acrossServices, rate, serviceMetric, sumBy } from "./lib/promql.js";
import { COLORS, type DashboardSpec, type PanelSpec, type RowSpec, type ThresholdStep } from "./lib/spec.js";
import { MIB_BYTES, lowerLimits, upperLimits } from "./lib/thresholds.js";

const INSTANCE = 'instance=~"$instance"';
const SUBQUERY_STEP = "1m"; // resolution of the sustained-trigger subqueries: fine enough for windows of minutes to hours

/** Under the scale-down line: over-provisioned; between: fine; over the scale-up line: add capacity. */
const scalingBand = (down: ScalingTrigger, up: ScalingTrigger): ThresholdStep[] => [
  { value: null, color: COLORS.neutral },
  { value: down.ratio, color: COLORS.ok },
  { value: up.ratio, color: COLORS.bad },
];

const cpuUsed = `1 - avg by (instance) (${rate(`node_cpu_seconds_total{mode="idle", ${INSTANCE}}`)})`;
const memoryUsed = `1 - sum by (instance) (node_memory_MemAvailable_bytes{${INSTANCE}}) / sum by (instance) (node_memory_MemTotal_bytes{${INSTANCE}})`;
const NIC = `device!~"lo|veth.*|docker.*|br-.*|cni.*|flannel.*|cali.*|ifb.*", ${INSTANCE}`;
const networkUsed = (direction: "receive" | "transmit"): string => `${rate(`node_network_${direction}_bytes_total{${NIC}}`)} / (node_network_speed_bytes{${NIC}} > 0)`;
/** Both directions share their labels, so each is tagged before the union or `or` would keep only one. */
const busiestDirection = `max by (instance) (${(["receive", "transmit"] as const).map((d) => `label_replace(${networkUsed(d)}, "direction", "${d}", "", "")`).join(" or ")})`;

/** The trigger's own test: the lowest (or highest) value over its window is past the line. */
const sustained = (fn: "min_over_time" | "max_over_time", expr: string, trigger: ScalingTrigger): string => `${fn}((${expr})[${promDuration(trigger.sustainedSeconds)}:${SUBQUERY_STEP}])`;

const triggerText = (what: string, trigger: ScalingTrigger, above: boolean): string => `${what} ${above ? "above" : "below"} ${percent(trigger.ratio)} for ${duration(trigger.sustainedSeconds)}`;

const cpu = SCALING_TRIGGERS.cpu;
const memory = SCALING_TRIGGERS.memory;
const network = SCALING_TRIGGERS.network.scaleUp;
const storage = SCALING_TRIGGERS.storage;

const hostRow: RowSpec = {
  title: "Host against the scaling triggers",
  panels: [
    {
      kind: "timeseries",
      title: "CPU utilisation",
      description: `Busy share of all cores. Lines: scale down (${triggerText("CPU", cpu.scaleDown, false)}) and scale up (${triggerText("CPU", cpu.scaleUp, true)}).`,
      unit: "percentunit",
      targets: [{ expr: cpuUsed, legend: "{{instance}}" }],
      thresholds: scalingBand(cpu.scaleDown, cpu.scaleUp),
      min: 0,
      max: 1,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "CPU scaling triggers",
      description: `The triggers as the seed states them: the lowest utilisation over ${duration(cpu.scaleUp.sustainedSeconds)} above the upper line means scale up; the highest over ${duration(cpu.scaleDown.sustainedSeconds)} below the lower line means scale down.`,
      unit: "percentunit",
      targets: [
        { expr: sustained("min_over_time", cpuUsed, cpu.scaleUp), legend: `min over ${promDuration(cpu.scaleUp.sustainedSeconds)} {{instance}}` },
        { expr: sustained("max_over_time", cpuUsed, cpu.scaleDown), legend: `max over ${promDuration(cpu.scaleDown.sustainedSeconds)} {{instance}}` },
      ],
      thresholds: scalingBand(cpu.scaleDown, cpu.scaleUp),
      min: 0,
      max: 1,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Memory utilisation",
      description: `Memory in use (total minus available). Lines: scale down (${triggerText("memory", memory.scaleDown, false)}) and scale up (${triggerText("memory", memory.scaleUp, true)}); the memory warning fires above ${percent(ALERT_THRESHOLDS.memoryUsedRatio.value)} for ${duration(ALERT_THRESHOLDS.memoryUsedRatio.forSeconds)}.`,
      unit: "percentunit",
      targets: [{ expr: memoryUsed, legend: "{{instance}}" }],
      thresholds: scalingBand(memory.scaleDown, memory.scaleUp),
      min: 0,
      max: 1,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Memory scaling triggers",
      description: `The lowest utilisation over ${duration(memory.scaleUp.sustainedSeconds)} (scale up above the upper line) and the highest over ${duration(memory.scaleDown.sustainedSeconds)} (scale down below the lower line).`,
      unit: "percentunit",
      targets: [
        { expr: sustained("min_over_time", memoryUsed, memory.scaleUp), legend: `min over ${promDuration(memory.scaleUp.sustainedSeconds)} {{instance}}` },
        { expr: sustained("max_over_time", memoryUsed, memory.scaleDown), legend: `max over ${promDuration(memory.scaleDown.sustainedSeconds)} {{instance}}` },
      ],
      thresholds: scalingBand(memory.scaleDown, memory.scaleUp),
      min: 0,
      max: 1,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Disk free space",
      description: `Free share of each filesystem. Below ${percent(storage.alertFreeRatio.ratio)} the disk-space warning fires; below ${percent(storage.scaleUpFreeRatio.ratio)} the volume is grown.`,
      unit: "percentunit",
      targets: [
        {
          expr: `node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs", ${INSTANCE}} / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs", ${INSTANCE}}`,
          legend: "{{instance}} {{mountpoint}}",
        },
      ],
      thresholds: lowerLimits({ value: storage.scaleUpFreeRatio.ratio, color: COLORS.bad }, { value: storage.alertFreeRatio.ratio, color: COLORS.warn }),
      min: 0,
      max: 1,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Network throughput",
      description: "Bytes received and sent per second on physical interfaces.",
      unit: "Bps",
      targets: [
        { expr: sumBy(["instance"], rate(`node_network_receive_bytes_total{${NIC}}`)), legend: "in {{instance}}" },
        { expr: sumBy(["instance"], rate(`node_network_transmit_bytes_total{${NIC}}`)), legend: "out {{instance}}" },
      ],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Network utilisation",
      description: `Throughput over the interface's speed, each direction; the scale-up trigger is ${triggerText("bandwidth", network, true)} (line). Interfaces that report no speed (most virtual NICs, including the local machine's) leave this empty.`,
      unit: "percentunit",
      targets: [
        { expr: networkUsed("receive"), legend: "in {{instance}} {{device}}" },
        { expr: networkUsed("transmit"), legend: "out {{instance}} {{device}}" },
        { expr: sustained("min_over_time", busiestDirection, network), legend: `min over ${promDuration(network.sustainedSeconds)} {{instance}}` },
      ],
      thresholds: upperLimits({ value: network.ratio, color: COLORS.bad }),
      min: 0,
      max: 1,
      width: 8,
    },
  ],
};

/** The original runbook budgeted brain and execution only. */
const budgetMiBOf = (service: ServiceName): number | undefined =>
  service === "brain" ? MEMORY_BUDGETS.brainMaxMiB.value : service === "execution" ? MEMORY_BUDGETS.executionMaxMiB.value : undefined;

/** Idle target for every service, the original runbook's budget where it set one, the container limit. */
const memorySteps = (service: ServiceName): ThresholdStep[] => {
  const budgetMiB = budgetMiBOf(service);
  return upperLimits(
    { value: MEMORY_BUDGETS.idleTargetMiB.value * MIB_BYTES, color: COLORS.caution },
    ...(budgetMiB === undefined ? [] : [{ value: budgetMiB * MIB_BYTES, color: COLORS.warn }]),
    { value: SERVICE_CAPACITY[service].memoryLimitMiB * MIB_BYTES, color: COLORS.bad },
  );
};

const rssPanel = (service: ServiceName): PanelSpec => {
  const budget = budgetMiBOf(service);
  return {
    kind: "timeseries",
    title: `${service} resident memory`,
    description: `Process RSS of ${service}. Lines: the idle target (${mib(MEMORY_BUDGETS.idleTargetMiB.value)})${budget === undefined ? "" : `, the original runbook's budget (${mib(budget)})`} and the container limit (${mib(SERVICE_CAPACITY[service].memoryLimitMiB)}).`,
    unit: "bytes",
    targets: [{ expr: serviceMetric(service, "process_resident_memory_bytes"), legend: "{{instance}}" }],
    thresholds: memorySteps(service),
    min: 0,
    width: 6,
  };
};

const SERVICE = 'service=~"$service"';

const servicesRow: RowSpec = {
  title: "Services",
  panels: [
    ...SCRAPED_SERVICES.map(rssPanel),
    {
      kind: "timeseries",
      title: "CPU by service",
      description: "CPU seconds per second of each service process (1 = one core); requests and limits per service are in ops/ SERVICE_CAPACITY.",
      unit: "suffix: cores",
      targets: [{ expr: sumBy(["service", "instance"], acrossServices(SCRAPED_SERVICES, "process_cpu_seconds_total", (m) => rate(`${m}{${SERVICE}}`, RATE_INTERVAL))), legend: "{{service}} {{instance}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Heap used by service",
      description: "V8 heap in use; a heap that only grows is a leak.",
      unit: "bytes",
      targets: [{ expr: acrossServices(SCRAPED_SERVICES, "nodejs_heap_size_used_bytes", (m) => `${m}{${SERVICE}}`), legend: "{{service}} {{instance}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Event-loop lag p99 by service",
      description: "How late the event loop runs: every request and message waits at least this long.",
      unit: "s",
      targets: [{ expr: acrossServices(SCRAPED_SERVICES, "nodejs_eventloop_lag_p99_seconds", (m) => `${m}{${SERVICE}}`), legend: "{{service}} {{instance}}" }],
      min: 0,
      width: 8,
    },
  ],
};

/** The alerting pipeline watching itself: a rule that cannot load or evaluate pages nobody. */
const monitoringRow: RowSpec = {
  title: "Monitoring pipeline",
  panels: [
    {
      kind: "stat",
      title: "Prometheus configuration loaded",
      description: "1 when Prometheus's last configuration (and rule files) reload succeeded; 0 means it still runs the previous rules.",
      unit: "none",
      targets: [{ expr: "prometheus_config_last_reload_successful", legend: "{{instance}}" }],
      thresholds: [
        { value: null, color: COLORS.bad },
        { value: 1, color: COLORS.ok },
      ],
      width: 8,
    },
    {
      kind: "stat",
      title: "Alertmanager configuration loaded",
      description: "1 when Alertmanager's last configuration reload succeeded; 0 means routes and receivers are stale.",
      unit: "none",
      targets: [{ expr: "alertmanager_config_last_reload_successful", legend: "{{instance}}" }],
      thresholds: [
        { value: null, color: COLORS.bad },
        { value: 1, color: COLORS.ok },
      ],
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Rule evaluation failures",
      description: "Rule evaluations that failed per second: an alert whose rule fails is silent.",
      unit: "ops",
      targets: [{ expr: `sum by (rule_group) (${rate("prometheus_rule_evaluation_failures_total")})`, legend: "{{rule_group}}" }],
      min: 0,
      width: 8,
    },
  ],
};

export const capacityDashboard = (): DashboardSpec => ({
  uid: "titan-capacity",
  title: "Titan / Capacity",
  description: "CPU, memory, disk and network against the seed's scaling triggers (from ops/), each service against its memory budget, PostgreSQL and Redis.",
  tags: ["capacity"],
  variables: [
    { name: "instance", label: "Host", query: "label_values(node_uname_info, instance)" },
    { name: "service", label: "Service", query: "label_values(up, service)" },
  ],
  rows: [hostRow, servicesRow, postgresRow, redisRow, monitoringRow],
});
