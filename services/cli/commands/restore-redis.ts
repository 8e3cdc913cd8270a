// `titanctl restore redis`: Redis from one of its snapshots, then every message published after the
// snapshot handed back to the relays (services/backup/redis-restore.ts). A subcommand of `restore`,
// which takes options positionally so both can say --force and --dry-run.
import type { Command } from "commander";
import { loadTarget } from "../../backup/adapters/target.js";
import { parseSnapshotSelector } from "../../backup/domain/redis-restore-plan.js";
import { restoreRedis, type RedisRestoreReport } from "../../backup/redis-restore.js";
import { systemClock } from "../../shared/clock.js";
import { REPUBLISH_MARGIN_SECONDS } from "../../shared/messaging/republish.js";
import type { CliContext } from "../context.js";
import { overridesOf } from "../target-flags.js";
import { inboxRetentionMs, operatorActor, renderRepublished } from "./bus.js";

interface RestoreRedisFlags {
  snapshot?: string;
  force?: boolean;
  dryRun?: boolean;
  marginSeconds: string;
  beyondRetention?: boolean;
  reason?: string;
  backupDir?: string;
  redisUrl?: string;
  redisDir?: string;
  pgDataDir?: string;
  pgPort?: string;
  json?: boolean;
}


export const parseMarginSeconds = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new Error(`--margin-seconds must be a whole number of seconds, got ${JSON.stringify(value)}`);
  return Number(value);
};

/** The figures an on-call reads: each step's time, what was loaded, what was republished. */
export const renderRedisRestore = (r: RedisRestoreReport): string => {
  if (r.dryRun) return `dry run: snapshot ${r.snapshot.id}; republish from ${new Date(r.sinceMs).toISOString()}\n${renderRepublished(r.republished, "would republish")}`;
  const lines = [
    `restored Redis from ${r.snapshot.id} in ${r.totalSeconds.toFixed(1)} s (${r.steps.map((s) => `${s.name} ${s.seconds.toFixed(1)} s`).join(", ")})`,
    `loaded ${r.keysLoaded ?? "?"} keys; ${r.streams ? `${r.streams.streams} streams, ${r.streams.groups} consumer groups, ${r.streams.pendingEntries} pending entries` : ""}${r.replacedDir ? `; previous data kept in ${r.replacedDir}` : ""}`,
    renderRepublished(r.republished, "republished"),
  ];
  if (r.republishError) lines.push(`REPUBLISH FAILED: ${r.republishError}`);
  if (r.drain) lines.push(r.drain.seconds === null ? `warning: ${r.drain.remaining} copies still wait for their relays` : `every copy published again after ${r.drain.seconds.toFixed(1)} s`);
  return lines.join("\n");
};

/** Adds `redis` under the `restore` command. */
export const registerRestoreRedisCommand = (restore: Command, ctx: () => CliContext): void => {
  restore
    .command("redis")
    .description(
      "restore Redis from a snapshot of the backup repository: checks the snapshot, stops Redis, keeps its append-only files aside, starts it on the snapshot's RDB " +
        "(append-only off for the load, then on again after its rewrite), then republishes every outbox row published since the snapshot (less --margin-seconds) " +
        "so no message is lost; the services reconnect and reclaim pending entries by themselves. Each step's time is reported",
    )
    .option("--snapshot <id>", 'a Redis snapshot\'s id (titanctl backup list --tier redis), or "latest"', "latest")
    .option("--force", "stop Redis if it is running (its data is replaced)")
    .option("--dry-run", "only print the plan and count the messages to republish")
    .option("--margin-seconds <n>", "republish from this long before the snapshot was taken", String(REPUBLISH_MARGIN_SECONDS))
    .option("--beyond-retention", "allow a snapshot older than the inbox retention (TITAN_BRAIN_MESSAGING_RETENTION; consumers may apply old messages again)")
    .option("--reason <text>", "why, for the audit log", "Redis restored from a snapshot")
    .option("--backup-dir <dir>", "backup repository (default: <state dir>/backups)")
    .option("--redis-url <url>", "the Redis to restore (default: the stack's)")
    .option("--redis-dir <dir>", "its data folder (default: the stack's)")
    .option("--pg-data-dir <dir>", "the database cluster's data folder, with --pg-port when there is no stack")
    .option("--pg-port <port>", "the database's port (default: the stack's); its outboxes are republished")
    .option("--json", "print the report as JSON")
    .action(async (opts: RestoreRedisFlags) => {
      // `restore --dry-run redis` would give --dry-run to the point-in-time restore, not to this one.
      const misplaced = restore.options.filter((o) => restore.getOptionValueSource(o.attributeName()) === "cli").map((o) => o.long ?? o.flags);
      if (misplaced.length > 0) throw new Error(`options given before \`redis\` (${misplaced.join(", ")}) belong to the database restore: put them after it (titanctl restore redis ${misplaced.join(" ")} ...)`);
      const context = ctx();
      const loaded = loadTarget(context.stateDir, overridesOf(opts));
      const target = loaded.caFile || !context.caFile ? loaded : { ...loaded, caFile: context.caFile };
      const report = await restoreRedis({
        target,
        snapshot: parseSnapshotSelector(opts.snapshot),
        clock: systemClock,
        force: opts.force === true,
        dryRun: opts.dryRun === true,
        marginSeconds: parseMarginSeconds(opts.marginSeconds),
        ...(opts.beyondRetention ? {} : { maxWindowMs: inboxRetentionMs() }),
        audit: { actor: operatorActor(), reason: opts.reason ?? "Redis restored from a snapshot" },
        progress: (line) => (opts.json ? console.error(line) : console.log(line)),
      });
      console.log(opts.json ? JSON.stringify(report, null, 2) : renderRedisRestore(report));
      process.exitCode = report.republishError ? 1 : 0;
    });
};
