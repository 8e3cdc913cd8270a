// `titanctl incident list | set-start`: the incidents the console records from Alertmanager's critical
// pages, and the correction of one's fault start from evidence (logs, a deploy time, a venue notice),
// which changes its detection time (the MTTD KPI). Listing takes a viewer token, a correction an
// operator's; the console audits the correction with its reason.
import type { Command } from "commander";
import { callJson } from "../http-client.js";
import type { CliContext } from "../context.js";

export interface IncidentListItem {
  readonly id: string;
  readonly status: "open" | "closed";
  readonly firstPageAt: string;
  readonly faultStartAt: string;
  readonly faultStartSource: "alerts" | "operator";
  readonly faultStartReason: string | null;
  readonly closedAt: string | null;
  readonly detectionSeconds: number;
  readonly recoverySeconds: number | null;
  readonly alerts: ReadonlyArray<{ readonly alertname: string; readonly service: string | null; readonly resolvedAt: string | null }>;
}

const MAX_LIMIT = 500;

const duration = (seconds: number | null): string => {
  if (seconds === null) return "-";
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
};

/** One line per incident, newest first, with what an on-call checks: start, page, detection, recovery, alerts. */
export const renderIncidents = (items: readonly IncidentListItem[]): string => {
  if (items.length === 0) return "no incidents";
  const header = ["ID", "STATUS", "FAULT START", "FIRST PAGE", "DETECT", "RECOVER", "ALERTS"];
  const rows = items.map((i) => [
    i.id,
    i.status,
    `${i.faultStartAt}${i.faultStartSource === "operator" ? " (set)" : ""}`,
    i.firstPageAt,
    duration(i.detectionSeconds),
    duration(i.recoverySeconds),
    i.alerts.map((a) => `${a.alertname}${a.service ? `{${a.service}}` : ""}${a.resolvedAt === null ? "" : " resolved"}`).join(", "),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  return [header, ...rows].map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join("  ")).join("\n");
};

/** The --at value as ISO 8601, or an error naming what is wrong: a zone is required, so no local-time guess. */
export const parseAt = (text: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    throw new Error(`--at must be an ISO 8601 time with a zone, e.g. 2026-11-24T07:58:00Z (got "${text}")`);
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new Error(`--at "${text}" is not a real time`);
  return new Date(ms).toISOString();
};

export const parseLimit = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new Error(`--limit must be a whole number from 1 to ${MAX_LIMIT} (got "${text}")`);
  return n;
};

export const registerIncidentCommands = (program: Command, ctx: () => CliContext): void => {
  const incident = program.command("incident").description("incidents from Alertmanager's critical pages: list, correct a fault start (MTTD)");

  incident
    .command("list")
    .description("incidents, newest first, with fault start, first page, detection and recovery times (viewer)")
    .option("--limit <n>", "how many", "20")
    .option("--json", "print JSON")
    .action(async (opts: { limit: string; json?: boolean }) => {
      const c = ctx();
      const { incidents } = await callJson<{ incidents: IncidentListItem[] }>(`${c.apiUrl}/api/incidents?limit=${parseLimit(opts.limit)}`, c.request());
      console.log(opts.json ? JSON.stringify(incidents, null, 2) : renderIncidents(incidents));
    });

  incident
    .command("set-start <id>")
    .description("correct when an incident's fault began, from evidence; its detection time follows (operator; audited)")
    .requiredOption("--at <time>", "when the fault began, ISO 8601 with a zone (not after the first page)")
    .requiredOption("--reason <text>", "the evidence (kept in the audit log)")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { at: string; reason: string; json?: boolean }) => {
      const c = ctx();
      const request = c.request();
      const after = await callJson<IncidentListItem>(`${c.apiUrl}/api/incidents/${encodeURIComponent(id)}/start`, { ...request, method: "POST", body: { at: parseAt(opts.at), reason: opts.reason } });
      console.log(opts.json ? JSON.stringify(after, null, 2) : `incident ${after.id}: fault start ${after.faultStartAt}, first page ${after.firstPageAt}, detection ${duration(after.detectionSeconds)}${after.status === "closed" ? ` (closed; MTTD observed)` : " (open)"}`);
    });
};
