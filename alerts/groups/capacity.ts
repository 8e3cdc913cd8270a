// The hosts: memory and disk against the seed's warnings, and the scaling triggers as capacity trends
// for the daily review. Seed: "Memory Usage", "Disk Space", "Capacity Planning: Resource usage trends".
import { ALERT_THRESHOLDS, SCALING_TRIGGERS, promDuration } from "../../ops/index.js";
import { NON_DISK_FSTYPES, RATE_WINDOW_SECONDS } from "../config.js";
import { formatDuration, formatRatio } from "../format.js";
import type { GroupSpec } from "../model.js";

export const CAPACITY_ALERTS = {
  hostMemoryHigh: "TitanHostMemoryHigh",
  diskSpaceLow: "TitanDiskSpaceLow",
  cpuScaleUpTrend: "TitanCpuScaleUpTrend",
  hostOverProvisioned: "TitanHostOverProvisioned",
} as const;

const cpuWindow = promDuration(RATE_WINDOW_SECONDS);

export const CAPACITY_RECORDS = {
  memoryUsed: "instance:node_memory_used:ratio",
  cpuUsed: `instance:node_cpu_used:ratio_rate${cpuWindow}`,
  filesystemFree: "instance_mountpoint:node_filesystem_free:ratio",
} as const;

const memory = ALERT_THRESHOLDS.memoryUsedRatio;
const disk = ALERT_THRESHOLDS.diskFreeRatio;
const { cpu, memory: memoryTrigger } = SCALING_TRIGGERS;
/** Both scale-down triggers hold when both conditions hold for the longer of their two durations. */
const overProvisionedForSeconds = Math.max(cpu.scaleDown.sustainedSeconds, memoryTrigger.scaleDown.sustainedSeconds);
const disks = `fstype!~"${NON_DISK_FSTYPES}"`;

export const CAPACITY_GROUP: GroupSpec = {
  area: "capacity",
  recordingRules: [
    { record: CAPACITY_RECORDS.memoryUsed, expr: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes" },
    { record: CAPACITY_RECORDS.cpuUsed, expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[${cpuWindow}]))` },
    { record: CAPACITY_RECORDS.filesystemFree, expr: `node_filesystem_avail_bytes{${disks}} / node_filesystem_size_bytes{${disks}}` },
  ],
  alerts: [
    {
      name: CAPACITY_ALERTS.hostMemoryHigh,
      severity: "warning",
      expr: `${CAPACITY_RECORDS.memoryUsed} > ${memory.value}`,
      forSeconds: memory.forSeconds,
      summary: "Host {{ $labels.instance }} uses {{ $value | humanizePercentage }} of its memory",
      description: `Host {{ $labels.instance }} has used more than ${formatRatio(memory.value)} of its memory for ${formatDuration(memory.forSeconds)} (now {{ $value | humanizePercentage }}). Next comes swapping or the kernel killing a service.`,
    },
    {
      name: CAPACITY_ALERTS.diskSpaceLow,
      severity: "warning",
      expr: `${CAPACITY_RECORDS.filesystemFree} < ${disk.value}`,
      forSeconds: disk.forSeconds,
      summary: "{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} free",
      description: `Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has had less than ${formatRatio(disk.value)} free for ${formatDuration(disk.forSeconds)} (now {{ $value | humanizePercentage }}). PostgreSQL stops accepting writes when its disk is full; grow the volume below ${formatRatio(SCALING_TRIGGERS.storage.scaleUpFreeRatio.ratio)} free.`,
    },
    {
      name: CAPACITY_ALERTS.cpuScaleUpTrend,
      severity: "info",
      expr: `${CAPACITY_RECORDS.cpuUsed} > ${cpu.scaleUp.ratio}`,
      forSeconds: cpu.scaleUp.sustainedSeconds,
      summary: "Host {{ $labels.instance }} CPU has been above the scale-up trigger",
      description: `Host {{ $labels.instance }} has used more than ${formatRatio(cpu.scaleUp.ratio)} of its CPU for ${formatDuration(cpu.scaleUp.sustainedSeconds)} (now {{ $value | humanizePercentage }}), the seed's scale-up trigger. Plan more CPU or replicas.`,
    },
    {
      name: CAPACITY_ALERTS.hostOverProvisioned,
      severity: "info",
      expr: `${CAPACITY_RECORDS.cpuUsed} < ${cpu.scaleDown.ratio} and on (instance) ${CAPACITY_RECORDS.memoryUsed} < ${memoryTrigger.scaleDown.ratio}`,
      forSeconds: overProvisionedForSeconds,
      summary: "Host {{ $labels.instance }} is below both scale-down triggers",
      description: `Host {{ $labels.instance }} has used less than ${formatRatio(cpu.scaleDown.ratio)} of its CPU (now {{ $value | humanizePercentage }}) and less than ${formatRatio(memoryTrigger.scaleDown.ratio)} of its memory for ${formatDuration(overProvisionedForSeconds)}, the seed's scale-down triggers. A smaller host or fewer replicas would do.`,
    },
  ],
};
