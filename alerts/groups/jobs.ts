// Jobs that run and exit: their metrics reach Prometheus through the Pushgateway, so the alert is on
// the age of the last success they pushed. AI Quant (issue 9): a nightly optimisation whose proposals
// an operator reviews; a job that stopped running leaves the scavenger on ageing parameters.
import { ALERT_THRESHOLDS } from "../../ops/index.js";
import { formatDuration } from "../format.js";
import type { GroupSpec } from "../model.js";

export const JOB_ALERTS = {
  aiQuantRunStale: "TitanAiQuantRunStale",
} as const;

/** Pushed by services/ai-quant/job.ts after every run that did not fail. */
export const AI_QUANT_LAST_SUCCESS = "titan_ai_quant_last_success_timestamp_seconds";

const stale = ALERT_THRESHOLDS.aiQuantLastSuccessAgeSeconds;

export const JOBS_GROUP: GroupSpec = {
  area: "jobs",
  alerts: [
    {
      name: JOB_ALERTS.aiQuantRunStale,
      severity: "warning",
      service: "ai-quant",
      expr: `time() - max(${AI_QUANT_LAST_SUCCESS}) > ${stale.value}`,
      forSeconds: stale.forSeconds,
      summary: "AI Quant has not completed a run for {{ $value | humanizeDuration }}",
      description: `The last AI Quant run that did not fail ended {{ $value | humanizeDuration }} ago, more than ${formatDuration(stale.value)} (the nightly schedule plus a grace period), for ${formatDuration(stale.forSeconds)}. The job is not being started, or every run fails: no new parameter proposals reach the operators. Trading is not affected.`,
    },
  ],
};
