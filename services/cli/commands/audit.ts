// `titanctl audit verify | list`: the hash-chained audit log. `verify` walks the whole chain and names
// the first row that is not the one written (edited, deleted, reordered); it asks the console (admin
// token), or, with --database-url, reads PostgreSQL itself, so the check does not depend on the service
// it checks. A deleted tail leaves a valid shorter chain: keep the head it prints and pass it back with
// --expect-head. Exit codes: 0 intact, 1 tampered (or not the expected head), 2 could not check.
import type { Command } from "commander";
import { verifyAuditChain } from "../../shared/audit/index.js";
import { createDatabase } from "../../shared/db/database.js";
import { callJson } from "../http-client.js";
import type { CliContext } from "../context.js";

export interface AuditVerdict {
  readonly ok: boolean;
  readonly rows: number;
  readonly head: { readonly seq: number; readonly hash: string } | null;
  readonly problem?: { readonly seq: number; readonly kind: string; readonly detail: string };
}

export const HEAD_PATTERN = /^([1-9][0-9]*):([0-9a-f]{8,64})$/;

/** Verifies the chain straight from PostgreSQL (any role that may read audit.events). */
export const verifyFromDatabase = async (url: string): Promise<AuditVerdict> => {
  const db = createDatabase({ url, applicationName: "titanctl-audit-verify", maxConnections: 1, statementTimeoutMs: 300_000 });
  try {
    const verdict = await verifyAuditChain(db);
    const { rows } = await db.query<{ seq: number; hash: Buffer; n: number }>(
      "titanctl_audit_head",
      "SELECT seq, hash, (SELECT count(*)::int FROM audit.events) AS n FROM audit.events ORDER BY seq DESC LIMIT 1",
    );
    const head = rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash.toString("hex") } : null;
    if (verdict.ok) return { ok: true, rows: verdict.rows, head };
    return { ok: false, rows: rows[0]?.n ?? 0, head, problem: { seq: verdict.seq, kind: verdict.problem, detail: verdict.detail } };
  } finally {
    await db.close();
  }
};

/** The verdict in words, and whether it passes (a given head must still be in the chain, unchanged). */
export const judgeVerdict = (v: AuditVerdict, expectHead?: { seq: number; hashPrefix: string }): { ok: boolean; text: string } => {
  if (!v.ok && v.problem) return { ok: false, text: `audit log TAMPERED at seq ${v.problem.seq} (${v.problem.kind}): ${v.problem.detail}` };
  const headText = v.head ? `head seq ${v.head.seq} ${v.head.hash}` : "empty";
  if (expectHead !== undefined) {
    if (v.head === null || v.head.seq < expectHead.seq) return { ok: false, text: `audit log SHORTER than expected: ${headText}, expected at least seq ${expectHead.seq} (rows were deleted from its end)` };
    if (v.head.seq === expectHead.seq && !v.head.hash.startsWith(expectHead.hashPrefix)) return { ok: false, text: `audit log head CHANGED: ${headText}, expected ${expectHead.seq}:${expectHead.hashPrefix}` };
  }
  return { ok: true, text: `audit log intact: ${v.rows} rows, ${headText}` };
};

interface VerifyOptions {
  databaseUrl?: string;
  expectHead?: string;
  json?: boolean;
}

export const registerAuditCommands = (program: Command, ctx: () => CliContext): void => {
  const audit = program.command("audit").description("the hash-chained audit log");

  audit
    .command("verify")
    .description("walk the whole hash chain; exit 1 naming the first row edited, deleted or reordered (admin token, or --database-url)")
    .option("--database-url <url>", "read PostgreSQL directly (e.g. postgres://postgres@127.0.0.1:55432/titan) instead of asking the console")
    .option("--expect-head <seq:hash>", "a head printed by an earlier run: the log must still contain it (catches rows deleted from the end)")
    .option("--json", "print the verdict as JSON")
    .action(async (opts: VerifyOptions) => {
      let expectHead: { seq: number; hashPrefix: string } | undefined;
      if (opts.expectHead !== undefined) {
        const m = HEAD_PATTERN.exec(opts.expectHead);
        if (!m) throw new Error(`--expect-head must be <seq>:<hex hash prefix of 8+ characters>, got ${JSON.stringify(opts.expectHead)}`);
        expectHead = { seq: Number(m[1]), hashPrefix: m[2] ?? "" };
      }
      const verdict = opts.databaseUrl
        ? await verifyFromDatabase(opts.databaseUrl)
        : await (async () => {
            const c = ctx();
            return callJson<AuditVerdict>(`${c.apiUrl}/api/audit/verify`, { ...c.request(), timeoutMs: 300_000 });
          })();
      const judged = judgeVerdict(verdict, expectHead);
      console.log(opts.json ? JSON.stringify({ ...verdict, passed: judged.ok }, null, 2) : judged.text);
      process.exitCode = judged.ok ? 0 : 1;
    });

  audit
    .command("list")
    .description("recent audit events, newest first (operator token)")
    .option("--limit <n>", "how many", "50")
    .option("--action <prefix>", "only actions starting with this, e.g. control. or session.login")
    .option("--json", "print JSON")
    .action(async (opts: { limit: string; action?: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new Error(`--limit must be a whole number from 1 to 500, got ${opts.limit}`);
      const c = ctx();
      const query = new URLSearchParams({ limit: String(limit), ...(opts.action ? { action: opts.action } : {}) });
      const page = await callJson<{ events: Array<{ seq: number; atMs: number; actor: { kind: string; id: string; name: string }; action: string; target: string; reason: string | null }> }>(`${c.apiUrl}/api/audit?${query}`, c.request());
      if (opts.json) {
        console.log(JSON.stringify(page.events, null, 2));
        return;
      }
      for (const e of page.events) console.log([String(e.seq).padStart(6), new Date(e.atMs).toISOString().replace(/\.\d+Z$/, "Z"), e.actor.name, e.action, e.target, e.reason ?? ""].join("  ").trimEnd());
    });
};
