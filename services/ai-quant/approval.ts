// An operator's decision on a proposal. Approval creates the proposed parameter set as a new scavenger
// version and activates it through the scavenger's API — with the operator's own credential, so the
// scavenger checks and audits the operator — then records the approval here, audited. Nothing reaches
// the scavenger any other way. Safe to retry: a version already made from the proposal is reused, an
// activation already done is not repeated, and a proposal made against a version that is no longer
// active is refused (its diff would be applied to parameters it never saw).
import type { AuditActor } from "../shared/audit/index.js";
import type { Clock } from "../shared/clock.js";
import type { Database } from "../shared/db/database.js";
import { decideProposal, getProposal, ProposalStateError, type StoredProposal } from "./adapters/proposal-store.js";
import { ScavengerApiError, type ScavengerConfigClient } from "./adapters/scavenger-client.js";

export class ApprovalError extends Error {
  constructor(
    readonly status: 403 | 404 | 409 | 502,
    message: string,
  ) {
    super(message);
    this.name = "ApprovalError";
  }
}

export interface DecisionDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly scavenger: ScavengerConfigClient;
}

export interface Approval {
  readonly proposal: StoredProposal;
  readonly configVersion: number;
  readonly previousVersion: number | null;
}

/** The contracts' Reason is at most 1000 characters. */
const REASON_MAX = 1000;
const scavengerReason = (proposalId: string, actor: AuditActor, reason: string): string =>
  `AI Quant proposal ${proposalId} approved by ${actor.name}: ${reason}`.slice(0, REASON_MAX);

const fromScavenger = (err: unknown): unknown => {
  if (!(err instanceof ScavengerApiError)) return err;
  if (err.status === 401 || err.status === 403) return new ApprovalError(403, `the scavenger refused the credential: ${err.detail}`);
  return new ApprovalError(502, err.message);
};

const fromStore = (err: unknown): unknown => (err instanceof ProposalStateError ? new ApprovalError(err.status, err.message) : err);

export async function approveProposal(deps: DecisionDeps, proposalId: string, actor: AuditActor, reason: string, credential: string): Promise<Approval> {
  const proposal = await getProposal(deps.db, proposalId);
  if (!proposal) throw new ApprovalError(404, `proposal ${proposalId} does not exist`);
  if (proposal.status !== "pending") throw new ApprovalError(409, `proposal ${proposalId} is ${proposal.status}, not pending`);
  try {
    const versions = await deps.scavenger.versions(credential);
    const active = versions.find((v) => v.active)?.version ?? null;
    const earlier = versions.find((v) => v.proposalId === proposalId);
    if (active !== proposal.baseConfigVersion && !earlier?.active)
      throw new ApprovalError(
        409,
        `the scavenger runs version ${active ?? "none"}, but the proposal was made against version ${proposal.baseConfigVersion}: run AI Quant again for a proposal against the current version`,
      );
    const text = scavengerReason(proposalId, actor, reason);
    const version = earlier?.version ?? (await deps.scavenger.createVersion(credential, { parameters: proposal.content.proposedParameters, reason: text, proposalId }));
    const previousVersion = earlier?.active ? proposal.baseConfigVersion : (await deps.scavenger.activate(credential, version, text)).previousVersion;
    const decided = await decideProposal(
      deps.db,
      proposalId,
      { status: "approved", actor, reason, appliedConfigVersion: version, detail: { configVersion: version, previousVersion } },
      deps.clock,
    ).catch((err: unknown) => Promise.reject(fromStore(err)));
    return { proposal: decided, configVersion: version, previousVersion };
  } catch (err) {
    throw fromScavenger(err);
  }
}

export async function rejectProposal(deps: Pick<DecisionDeps, "db" | "clock">, proposalId: string, actor: AuditActor, reason: string): Promise<StoredProposal> {
  return decideProposal(deps.db, proposalId, { status: "rejected", actor, reason }, deps.clock).catch((err: unknown) => Promise.reject(fromStore(err)));
}
