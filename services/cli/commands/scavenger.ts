// `titanctl config …`: the scavenger's parameter versions, through its API behind the entry point
// (https://<api>/api/scavenger/config/...). Listing and showing need a viewer; creating and activating
// need an operator, with a reason that lands in the audit log.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { callJson } from "../http-client.js";
import type { CliContext } from "../context.js";

interface VersionSummary {
  version: number;
  createdAtMs: number;
  createdBy: { kind: string; id: string; name: string };
  reason: string;
  proposalId: string | null;
  parametersSha256: string;
  active: boolean;
  lastActivatedAtMs: number | null;
}

interface VersionList {
  activeVersion: number | null;
  appliedVersion: number | null;
  versions: VersionSummary[];
}

interface Activation {
  version: number;
  previousVersion: number | null;
  action: "activated" | "rolled-back";
  appliedVersion: number | null;
}

const iso = (ms: number | null | undefined): string => (ms ? new Date(ms).toISOString().replace(/\.\d+Z$/, "Z") : "-");

const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
};

export const renderVersionList = (list: VersionList): string => {
  const rows = list.versions.map((v) => [
    `${v.active ? "*" : " "}${v.version}`,
    iso(v.createdAtMs),
    `${v.createdBy.kind}:${v.createdBy.name}`,
    iso(v.lastActivatedAtMs),
    v.parametersSha256.slice(0, 12),
    v.reason.length > 60 ? `${v.reason.slice(0, 57)}...` : v.reason,
  ]);
  const footer = list.activeVersion === null ? "no version is active" : `* = active (version ${list.activeVersion})`;
  return `${table(["VERSION", "CREATED", "BY", "LAST ACTIVATED", "SHA256", "REASON"], rows)}\n${footer}`;
};

export const renderActivation = (a: Activation): string =>
  a.action === "rolled-back"
    ? `rolled back to version ${a.version} (was ${a.previousVersion ?? "none"}); the scavenger applies it without a restart`
    : `version ${a.version} active (was ${a.previousVersion ?? "none"}); the scavenger applies it without a restart`;

/** `<n>` or `active`; anything else is refused before a request is sent. */
export const parseVersionArg = (value: string): number | "active" => {
  if (value === "active") return value;
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new Error(`version must be a positive whole number or "active", got "${value}"`);
  return Number(value);
};

/** The parameter file's JSON: an object of parameters, or `{ "parameters": {...} }` as `config show --json` prints it. */
export const readParametersFile = (file: string, read: (path: string) => string = (path) => readFileSync(path, "utf8")): unknown => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(file));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`${file}: must hold a JSON object of parameters`);
  const body = parsed as Record<string, unknown>;
  return "parameters" in body && "version" in body ? body.parameters : parsed;
};

const requireReason = (reason: string | undefined): string => {
  if (!reason || reason.trim().length === 0) throw new Error("--reason is required: it is kept in the audit log");
  return reason.trim();
};

export const registerScavengerCommands = (program: Command, ctx: () => CliContext): void => {
  const base = (c: CliContext) => `${c.apiUrl}/api/scavenger/config`;
  const config = program.command("config").description("scavenger parameter versions (create, activate, roll back without a restart)");

  config
    .command("versions")
    .description("list every parameter version; * marks the active one")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const c = ctx();
      const list = await callJson<VersionList>(`${base(c)}/versions`, c.request());
      console.log(opts.json ? JSON.stringify(list, null, 2) : renderVersionList(list));
    });

  config
    .command("show <version>")
    .description("print one version (a number, or `active`) with its full parameters as JSON")
    .action(async (version: string) => {
      const c = ctx();
      const v = parseVersionArg(version);
      const detail = await callJson<unknown>(v === "active" ? `${base(c)}/active` : `${base(c)}/versions/${v}`, c.request());
      console.log(JSON.stringify(detail, null, 2));
    });

  config
    .command("create")
    .description("create a version from a JSON file of parameters (missing fields take the defaults); every problem is listed")
    .requiredOption("--file <params.json>", "the parameters")
    .requiredOption("--reason <text>", "why (audited)")
    .option("--proposal <id>", "the approved AI Quant proposal it comes from")
    .option("--activate", "activate it at once")
    .action(async (opts: { file: string; reason: string; proposal?: string; activate?: boolean }) => {
      const c = ctx();
      const reason = requireReason(opts.reason);
      const parameters = readParametersFile(opts.file);
      const created = await callJson<VersionSummary>(`${base(c)}/versions`, {
        ...c.request(),
        method: "POST",
        body: { parameters, reason, ...(opts.proposal ? { proposalId: opts.proposal } : {}) },
      });
      console.log(`created version ${created.version} (sha256 ${created.parametersSha256.slice(0, 12)})`);
      if (opts.activate) {
        const a = await callJson<Activation>(`${base(c)}/versions/${created.version}/activate`, { ...c.request(), method: "POST", body: { reason } });
        console.log(renderActivation(a));
      }
    });

  for (const [name, description] of [
    ["activate", "make a version the active one; an older one than the active is recorded as a rollback"],
    ["rollback", "the same as activate, for an earlier version: said the way on-call says it"],
  ] as const) {
    config
      .command(`${name} <version>`)
      .description(description)
      .requiredOption("--reason <text>", "why (audited)")
      .action(async (version: string, opts: { reason: string }) => {
        const c = ctx();
        const v = parseVersionArg(version);
        if (v === "active") throw new Error("name the version to activate by its number");
        const a = await callJson<Activation>(`${base(c)}/versions/${v}/activate`, { ...c.request(), method: "POST", body: { reason: requireReason(opts.reason) } });
        console.log(renderActivation(a));
      });
  }
};

