// Proposals in the quant schema. A new proposal supersedes the pending ones before it (newer data, same
// target); a decision (approve, reject) is written with its audit event and its bus message in one
// transaction. Storing the same proposal twice (the same inputs again) stores it once.
import { appendAudit, type AuditActor } from "../../shared/audit/index.js";
import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { PROPOSAL_STATUSES } from "../../shared/contracts/index.js";
import type { Database, Queryable } from "../../shared/db/database.js";
import type { BacktestFigures } from "../../shared/contracts/index.js";
import { proposalMessage, type ProposalContent, type ProposalDraft } from "../domain/proposal.js";
import type { ParameterChange } from "../domain/acceptance.js";

export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export interface ProposalSummary {
  readonly proposalId: string;
  readonly runId: string | null;
  readonly targetService: "scavenger";
  readonly baseConfigVersion: number;
  readonly changes: readonly ParameterChange[];
  readonly outOfSample: BacktestFigures;
  readonly baselineOutOfSample: BacktestFigures;
  readonly status: ProposalStatus;
  readonly createdAtMs: number;
  readonly decidedAtMs: number | null;
  readonly decidedBy: AuditActor | null;
  readonly decisionReason: string | null;
  readonly appliedConfigVersion: number | null;
  readonly contentSha256: string;
}

export interface StoredProposal extends ProposalSummary {
  readonly content: ProposalContent;
  /** Exactly as the optimiser produced it. */
  readonly contentJson: string;
  readonly equitySvg: string;
}

interface Row {
  proposal_id: string;
  run_id: string | null;
  target_service: "scavenger";
  base_config_version: number;
  changes: ParameterChange[];
  out_of_sample: BacktestFigures;
  baseline_out_of_sample: BacktestFigures;
  status: ProposalStatus;
  created_at: Date;
  decided_at: Date | null;
  decided_by: AuditActor | null;
  decision_reason: string | null;
  applied_config_version: number | null;
  content_sha256: string;
  content_json?: string;
  equity_svg?: string;
}

const SUMMARY_COLUMNS = `proposal_id, run_id, target_service, base_config_version, changes, out_of_sample, baseline_out_of_sample, status,
  created_at, decided_at, decided_by, decision_reason, applied_config_version, content_sha256`;

const summaryOf = (r: Row): ProposalSummary => ({
  proposalId: r.proposal_id,
  runId: r.run_id,
  targetService: r.target_service,
  baseConfigVersion: r.base_config_version,
  changes: r.changes,
  outOfSample: r.out_of_sample,
  baselineOutOfSample: r.baseline_out_of_sample,
  status: r.status,
  createdAtMs: r.created_at.getTime(),
  decidedAtMs: r.decided_at?.getTime() ?? null,
  decidedBy: r.decided_by,
  decisionReason: r.decision_reason,
  appliedConfigVersion: r.applied_config_version,
  contentSha256: r.content_sha256,
});

const iso = (ms: number): string => new Date(Math.floor(ms)).toISOString();

/**
 * Stores a new proposal (pending), supersedes the older pending ones for the same target and announces it
 * on the bus. Returns false when this exact proposal was already stored.
 */
export async function storeProposal(db: Database, draft: ProposalDraft, runId: string | null, clock: Clock): Promise<boolean> {
  return db.transaction(async (tx) => {
    const nowMs = Math.floor(clock.nowMs());
    const inserted = await tx.query(
      "quant_proposal_insert",
      `INSERT INTO proposals (proposal_id, run_id, target_service, base_config_version, changes, content_json, content_sha256, reasoning, equity_svg,
                              out_of_sample, baseline_out_of_sample, status, created_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10::jsonb, $11::jsonb, 'pending', $12)
       ON CONFLICT (proposal_id) DO NOTHING`,
      [
        draft.proposalId,
        runId,
        draft.content.targetService,
        draft.content.baseConfigVersion,
        JSON.stringify(draft.content.changes),
        draft.contentJson,
        draft.contentSha256,
        draft.content.reasoning,
        draft.equitySvg,
        JSON.stringify(draft.content.outOfSample),
        JSON.stringify(draft.content.baselineOutOfSample),
        iso(nowMs),
      ],
    );
    if ((inserted.rowCount ?? 0) === 0) return false;
    const superseded = await tx.query<{ proposal_id: string; content_json: string }>(
      "quant_proposal_supersede",
      `UPDATE proposals SET status = 'superseded' WHERE status = 'pending' AND target_service = $1 AND proposal_id <> $2 RETURNING proposal_id, content_json`,
      [draft.content.targetService, draft.proposalId],
    );
    for (const old of superseded.rows) {
      await publishInTransaction(tx, "proposal", proposalMessage(old.proposal_id, JSON.parse(old.content_json) as ProposalContent, "superseded", nowMs), {
        source: "ai-quant",
        clock,
      });
    }
    await publishInTransaction(tx, "proposal", proposalMessage(draft.proposalId, draft.content, "pending", nowMs), { source: "ai-quant", clock });
    return true;
  });
}

export async function listProposals(db: Queryable, opts: { status?: ProposalStatus; limit: number }): Promise<ProposalSummary[]> {
  const { rows } = await db.query<Row>(
    "quant_proposal_list",
    `SELECT ${SUMMARY_COLUMNS} FROM proposals WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC, proposal_id LIMIT $2`,
    [opts.status ?? null, opts.limit],
  );
  return rows.map(summaryOf);
}

export async function getProposal(db: Queryable, proposalId: string, forUpdate = false): Promise<StoredProposal | null> {
  const { rows } = await db.query<Row>(
    forUpdate ? "quant_proposal_get_for_update" : "quant_proposal_get",
    `SELECT ${SUMMARY_COLUMNS}, content_json, equity_svg FROM proposals WHERE proposal_id = $1${forUpdate ? " FOR UPDATE" : ""}`,
    [proposalId],
  );
  const row = rows[0];
  if (!row) return null;
  return { ...summaryOf(row), content: JSON.parse(row.content_json as string) as ProposalContent, contentJson: row.content_json as string, equitySvg: row.equity_svg as string };
}

export interface Decision {
  readonly status: "approved" | "rejected";
  readonly actor: AuditActor;
  readonly reason: string;
  /** The scavenger version an approval created and activated. */
  readonly appliedConfigVersion?: number;
  /** What the audit event records beside the status (the activation, for an approval). */
  readonly detail?: Record<string, unknown>;
}

export class ProposalStateError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = "ProposalStateError";
  }
}

/** Records a decision on a pending proposal, audited and announced in the same transaction. */
export async function decideProposal(db: Database, proposalId: string, decision: Decision, clock: Clock): Promise<StoredProposal> {
  return db.transaction(async (tx) => {
    const current = await getProposal(tx, proposalId, true);
    if (!current) throw new ProposalStateError(404, `proposal ${proposalId} does not exist`);
    if (current.status !== "pending") throw new ProposalStateError(409, `proposal ${proposalId} is ${current.status}, not pending`);
    const nowMs = Math.floor(clock.nowMs());
    await tx.query(
      "quant_proposal_decide",
      `UPDATE proposals SET status = $2, decided_at = $3, decided_by = $4::jsonb, decision_reason = $5, applied_config_version = $6 WHERE proposal_id = $1`,
      [proposalId, decision.status, iso(nowMs), JSON.stringify(decision.actor), decision.reason, decision.appliedConfigVersion ?? null],
    );
    await appendAudit(
      tx,
      {
        actor: decision.actor,
        service: "ai-quant",
        action: decision.status === "approved" ? "proposal.approve" : "proposal.reject",
        target: `quant-proposal:${proposalId}`,
        reason: decision.reason,
        before: { status: current.status },
        after: { status: decision.status, ...(decision.detail ?? {}) },
      },
      clock,
    );
    await publishInTransaction(
      tx,
      "proposal",
      proposalMessage(proposalId, current.content, decision.status, nowMs, { decidedBy: { kind: decision.actor.kind, id: decision.actor.id }, reason: decision.reason }),
      { source: "ai-quant", clock },
    );
    const decided = await getProposal(tx, proposalId);
    if (!decided) throw new Error(`proposal ${proposalId} vanished inside its own transaction`);
    return decided;
  });
}
