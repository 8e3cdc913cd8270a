// The emergency controls as data: who may press each, the words the operator must type to confirm it,
// the audit action it is recorded as, and the call it becomes at the service that owns the effect.
// Each is also guarded by a reason and a fresh second-factor code (checked by the route).
import type { Role } from "../../shared/contracts/index.js";

export const CONTROL_ACTIONS = ["flatten", "cancel-all", "halt", "resume", "breaker-reset", "allocation-override", "allocation-override-clear"] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export interface ControlSpec {
  readonly title: string;
  /** The weakest role that may press it (the owning service checks the same role again). */
  readonly role: Role;
  /** Typed by the operator, exactly, before the action is sent. */
  readonly confirmation: string;
  /** The console's audit action for it. */
  readonly auditAction: string;
}

export const CONTROLS: Readonly<Record<ControlAction, ControlSpec>> = {
  flatten: { title: "Flatten all positions", role: "operator", confirmation: "FLATTEN ALL", auditAction: "control.flatten" },
  "cancel-all": { title: "Cancel all orders", role: "operator", confirmation: "CANCEL ALL", auditAction: "control.cancel-all" },
  halt: { title: "Halt trading", role: "operator", confirmation: "HALT", auditAction: "control.halt" },
  resume: { title: "Resume trading", role: "operator", confirmation: "RESUME", auditAction: "control.resume" },
  "breaker-reset": { title: "Reset the circuit breaker", role: "operator", confirmation: "RESET BREAKER", auditAction: "breaker.reset" },
  // The brain lets only admins set or end an override.
  "allocation-override": { title: "Override the allocation", role: "admin", confirmation: "OVERRIDE ALLOCATION", auditAction: "allocation.override" },
  "allocation-override-clear": { title: "End the allocation override", role: "admin", confirmation: "END OVERRIDE", auditAction: "allocation.override-clear" },
};

export const isControlAction = (value: string): value is ControlAction => (CONTROL_ACTIONS as readonly string[]).includes(value);

/** Exact, case-sensitive: typing the words is the point, so no normalising them into agreement. */
export const confirmationMatches = (action: ControlAction, typed: string): boolean => typed === CONTROLS[action].confirmation;

/** How long execution waits for the venue to confirm flat before answering (it keeps working after). */
export const FLATTEN_WAIT_SECONDS = 20;

export interface ControlInput {
  readonly reason: string;
  readonly symbol?: string;
  readonly falsePositive?: boolean;
  readonly weights?: { readonly 1: number; readonly 2: number; readonly 3: number };
  readonly hours?: number;
}

export interface UpstreamCall {
  readonly service: "brain" | "execution";
  readonly method: "POST" | "DELETE";
  readonly path: string;
  readonly body?: Readonly<Record<string, unknown>>;
  /** Longer than the console's default when the service waits for the venue. */
  readonly waitSeconds?: number;
}

const withSymbol = (input: ControlInput): Record<string, unknown> => (input.symbol ? { symbol: input.symbol } : {});

/** The request the owning service's API takes for an action. */
export const upstreamCallFor = (action: ControlAction, input: ControlInput): UpstreamCall => {
  switch (action) {
    case "flatten":
      return { service: "execution", method: "POST", path: "/flatten", body: { reason: input.reason, confirm: true, waitSeconds: FLATTEN_WAIT_SECONDS, ...withSymbol(input) }, waitSeconds: FLATTEN_WAIT_SECONDS };
    case "cancel-all":
      return { service: "execution", method: "POST", path: "/cancel-all", body: { reason: input.reason, ...withSymbol(input) }, waitSeconds: FLATTEN_WAIT_SECONDS };
    case "halt":
      return { service: "execution", method: "POST", path: "/halt", body: { reason: input.reason } };
    case "resume":
      return { service: "execution", method: "POST", path: "/resume", body: { reason: input.reason } };
    case "breaker-reset":
      return { service: "brain", method: "POST", path: "/breaker/reset", body: { reason: input.reason, falsePositive: input.falsePositive === true } };
    case "allocation-override":
      if (input.weights === undefined || input.hours === undefined) throw new Error("allocation-override needs weights and hours");
      return { service: "brain", method: "POST", path: "/override", body: { weights: { ...input.weights }, hours: input.hours, reason: input.reason } };
    case "allocation-override-clear":
      return { service: "brain", method: "DELETE", path: `/override?reason=${encodeURIComponent(input.reason)}` };
  }
};
