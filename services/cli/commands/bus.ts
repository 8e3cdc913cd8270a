// `titanctl bus republish`: after Redis lost its data (and no snapshot was restored), hands every
// outbox row published since a time back to the services' relays; consumers' inboxes drop the copies
// they had already handled. `titanctl restore redis` does the same for the window after its snapshot.
import { hostname, userInfo } from "node:os";
import type { Command } from "commander";
import { RECOVERY_TIME_OBJECTIVES } from "../../../ops/index.js";
import { loadTarget } from "../../backup/adapters/target.js";
import { BRAIN_CONFIG_SPEC } from "../../brain/config.js";
import type { AuditActor } from "../../shared/audit/index.js";
import { systemClock } from "../../shared/clock.js";
import { configKey, loadConfig, parseDurationMs } from "../../shared/config/index.js";
import { createDatabase } from "../../shared/db/database.js";
import { countRepublishable, republishSince, waitUntilRepublished, type RepublishedSchema } from "../../shared/messaging/republish.js";
import type { CliContext } from "../context.js";

const RETENTION_VARIABLE = "TITAN_BRAIN_MESSAGING_RETENTION";
const DEFAULT_REASON = "Redis lost its data";

/**
 * The inbox retention in force: the brain prunes published outbox rows and inbox rows older than its
 * TITAN_BRAIN_MESSAGING_RETENTION (read here from the same environment, with the brain's default);
 * the other services never prune, so the brain's is the shortest.
 */
export const inboxRetentionMs = (env: NodeJS.ProcessEnv = process.env): number => {
  const spec = BRAIN_CONFIG_SPEC.filter((s) => s.name === RETENTION_VARIABLE);
  const value = (loadConfig(spec, env) as Readonly<Record<string, unknown>>)[configKey(RETENTION_VARIABLE)];
  if (typeof value !== "number") throw new Error(`${RETENTION_VARIABLE}: no value`);
  return value;
};

/** `--since`: an ISO 8601 time with its zone, or a duration before now with its unit (90s, 15m, 2h). */
export const parseSince = (value: string, nowMs: number): number => {
  const text = value.trim();
  let sinceMs: number;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    sinceMs = Date.parse(text);
    // Date.parse rolls 2026-02-31 over into March: the calendar date must survive the round trip.
    const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
    const calendar = new Date(Date.UTC(year, month - 1, day));
    if (Number.isNaN(sinceMs) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) throw new Error(`--since ${text} is not a real time`);
  } else if (/^\d+(\.\d+)?\s*(ms|s|m|h)$/.test(text)) {
    sinceMs = nowMs - (parseDurationMs(text) ?? Number.NaN);
  } else {
    throw new Error(`--since must be an ISO 8601 time with its zone (2026-01-02T03:04:05Z) or a duration before now with its unit (90s, 15m, 2h); got ${JSON.stringify(value)}`);
  }
  if (!Number.isFinite(sinceMs)) throw new Error(`--since ${text} is not a time`);
  if (sinceMs > nowMs) throw new Error(`--since ${text} is in the future`);
  return sinceMs;
};

/** Who runs titanctl, for the audit log: the operating-system user on this host. */
export const operatorActor = (): AuditActor => {
  const user = userInfo().username;
  return { kind: "operator", id: `${user}@${hostname()}`, name: user };
};

/** One line per schema: the messages and the streams they go to. */
export const renderRepublished = (results: readonly RepublishedSchema[], verb: string): string =>
  results.length === 0
    ? "no schema has an outbox"
    : results.map((r) => `${r.schema}: ${verb} ${r.rows} messages${r.rows > 0 ? ` (${Object.entries(r.streams).map(([s, n]) => `${s} ${n}`).join(", ")})` : ""}${r.audited ? ", audited" : ""}`).join("\n");

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const positiveSeconds = (flag: string, value: string): number => {
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a whole number of seconds, got ${JSON.stringify(value)}`);
  return Number(value);
};

interface RepublishFlags {
  since: string;
  schema?: string[];
  dryRun?: boolean;
  beyondRetention?: boolean;
  wait: boolean;
  waitSeconds: string;
  reason?: string;
  databaseUrl?: string;
  json?: boolean;
}

export const registerBusCommands = (program: Command, ctx: () => CliContext): void => {
  const bus = program.command("bus").description("the message bus (Redis Streams fed from each service's PostgreSQL outbox)");

  bus
    .command("republish")
    .description(
      "after Redis lost its data: mark every outbox row published since --since unpublished again, so the services' relays publish it again; " +
        "consumers' inboxes drop the copies they already handled. Refuses a window longer than the inbox retention (TITAN_BRAIN_MESSAGING_RETENTION). " +
        "Waits until the relays have published the copies (their services must run)",
    )
    .requiredOption("--since <time>", "ISO 8601 time with zone, or a duration before now (90s, 15m, 2h): from a little before Redis lost its data")
    .option("--schema <name>", "only this service schema's outbox (repeatable; default every schema with an outbox)", collect)
    .option("--dry-run", "only count what would be republished")
    .option("--beyond-retention", "allow a window longer than the inbox retention (consumers may apply old messages again)")
    .option("--no-wait", "do not wait for the relays to publish the copies")
    .option("--wait-seconds <n>", "how long to wait for the relays", String(RECOVERY_TIME_OBJECTIVES.criticalServices.seconds))
    .option("--reason <text>", "why, for the audit log", DEFAULT_REASON)
    .option("--database-url <url>", "superuser URL of the database (default: the local stack's)")
    .option("--json", "print JSON")
    .action(async (opts: RepublishFlags) => {
      const clock = systemClock;
      const nowMs = clock.nowMs();
      const sinceMs = parseSince(opts.since, nowMs);
      const waitMs = positiveSeconds("--wait-seconds", opts.waitSeconds) * 1000;
      const url = opts.databaseUrl ?? loadTarget(ctx().stateDir).pgAdminUrl;
      const log = (line: string) => (opts.json ? console.error(line) : console.log(line));
      // A long window is one UPDATE per schema: give it minutes, not the services' 10 s.
      const db = createDatabase({ url, applicationName: "titanctl-bus-republish", maxConnections: 2, statementTimeoutMs: 10 * 60_000 }, undefined, () => undefined);
      try {
        const request = { sinceMs, nowMs, ...(opts.schema ? { schemas: opts.schema } : {}), ...(opts.beyondRetention ? {} : { maxWindowMs: inboxRetentionMs() }) };
        if (opts.dryRun) {
          const counted = await countRepublishable(db, request);
          console.log(opts.json ? JSON.stringify({ since: new Date(sinceMs).toISOString(), schemas: counted }, null, 2) : renderRepublished(counted, "would republish"));
          return;
        }
        const results = await republishSince(db, { ...request, audit: { actor: operatorActor(), reason: opts.reason ?? DEFAULT_REASON, clock } });
        log(renderRepublished(results, "republished"));
        const drain = opts.wait && results.some((r) => r.rows > 0) ? await waitUntilRepublished(db, results, { timeoutMs: waitMs, clock, progress: log }) : undefined;
        if (drain) log(drain.seconds === null ? `warning: ${drain.remaining} copies still wait for their relays after ${waitMs / 1000} s: are their services running? They go out when they start` : `every copy published again after ${drain.seconds.toFixed(1)} s`);
        if (opts.json) console.log(JSON.stringify({ since: new Date(sinceMs).toISOString(), schemas: results, drain: drain ?? null }, null, 2));
      } finally {
        await db.close();
      }
    });
};
