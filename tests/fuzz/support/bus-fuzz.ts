// Publishes fuzz cases to a stream a running service consumes and checks each: the entry is handled
// (a consumer group acknowledges it, a market-data reader moves past it); a refused one is
// dead-lettered with a reason (groups) or dropped and counted (readers); nothing is logged at error;
// and no table changes but the consumer's own dead-letter records.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { Redis } from "ioredis";
import { SERVICES, type ServiceName } from "../../../ops/services.js";
import { streamOf, type MessageType } from "../../../services/shared/contracts/index.js";
import { busCase, probeFields, type BusCase } from "./bus-case.js";
import type { FuzzTarget } from "./fuzz-target.js";
import { parseLogLine } from "./log-capture.js";
import { fuzzRunSettings } from "./run-settings.js";
import { changedTables, TableChecksummer, type TableChecksums } from "./table-checksum.js";

/** How the service reads a stream: an exactly-once consumer group, or a plain reader of market data. */
export type ChannelKind = "group" | "reader";

export interface BusChannel {
  readonly type: MessageType;
  readonly kind: ChannelKind;
}

export interface ReaderProgress {
  /** Entries the reader has handled so far (read and applied or dropped). */
  handled(): Promise<number>;
  /** Entries it counted as dropped for breaking their contract. */
  dropped(): Promise<number>;
}

export interface BusTarget<S extends ServiceName = ServiceName> {
  readonly target: FuzzTarget<S>;
  readonly channels: readonly BusChannel[];
  /** How the service's market-data reader shows its progress (for `reader` channels). */
  readonly reader?: ReaderProgress;
}

export interface ChannelTally {
  readonly channel: string;
  cases: number;
  readonly outcomes: Record<string, number>;
  totalMs: number;
}

const pollUntil = async <T>(what: string, probe: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** Stream ids compare as (ms, seq) pairs. */
const idAtLeast = (a: string, b: string): boolean => {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am > bm || (am === bm && as >= bs);
};

interface GroupInfo {
  readonly lastDelivered: string;
  readonly pending: number;
}

const groupInfo = async (redis: Redis, stream: string, group: string): Promise<GroupInfo | null> => {
  const reply = (await redis.call("XINFO", "GROUPS", stream).catch(() => [])) as unknown[][];
  for (const fields of reply) {
    const record: Record<string, unknown> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[String(fields[i])] = fields[i + 1];
    if (record.name === group) return { lastDelivered: String(record["last-delivered-id"]), pending: Number(record.pending) };
  }
  return null;
};

const describeFields = (fields: readonly string[]): string => JSON.stringify(fields.map((f) => (f.length > 300 ? `${f.slice(0, 300)}… (${f.length} chars)` : f)));

export class BusFuzzer<S extends ServiceName> {
  readonly redis: Redis;
  private readonly schema: string;
  private readonly checksums: TableChecksummer;

  constructor(private readonly bus: BusTarget<S>) {
    this.redis = new Redis(bus.target.db.redisUrl, { maxRetriesPerRequest: 2 });
    this.schema = SERVICES[bus.target.service].schema;
    // The consumer's own dead-letter records may change; the outbox is checked apart (dead-letter envelopes only).
    this.checksums = new TableChecksummer(bus.target.db.pool, { ignoreTables: [`${this.schema}.dead_letters`, `${this.schema}.outbox`], ignoreColumns: { "auth.api_tokens": ["last_used_at"] } });
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** Waits until the service's group exists on every group channel's stream. */
  async ready(): Promise<void> {
    for (const channel of this.bus.channels.filter((c) => c.kind === "group")) {
      await pollUntil(`the ${this.bus.target.service} group on ${streamOf(channel.type)}`, () => groupInfo(this.redis, streamOf(channel.type), this.bus.target.service));
    }
  }

  private async otherOutboxMessages(): Promise<number> {
    const { rows } = await this.bus.target.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${this.schema}".outbox WHERE type <> 'dead-letter'`);
    return rows[0]?.n ?? 0;
  }

  private async deadLetter(stream: string, entryId: string): Promise<{ reason_class: string; reason: string } | null> {
    const { rows } = await this.bus.target.db.pool.query<{ reason_class: string; reason: string }>(
      `SELECT reason_class, reason FROM "${this.schema}".dead_letters WHERE consumer_group = $1 AND stream = $2 AND entry_id = $3`,
      [this.bus.target.service, stream, entryId],
    );
    return rows[0] ?? null;
  }

  private async inboxHas(messageId: string): Promise<boolean> {
    const { rows } = await this.bus.target.db.pool.query(`SELECT 1 FROM "${this.schema}".inbox WHERE consumer_group = $1 AND message_id = $2`, [this.bus.target.service, messageId]);
    return rows.length > 0;
  }

  /** Messages of `stream` the service's consumers turned down (acknowledged without a transaction: no use to their handler). */
  private async ignoredCount(stream: string): Promise<number> {
    const metrics = await this.bus.target.running.ctx.metrics.registry.getMetricsAsJSON();
    const values = metrics.find((m) => m.name.endsWith("_messages_ignored_total"))?.values ?? [];
    return values.filter((v) => v.labels.stream === stream).reduce((sum, v) => sum + v.value, 0);
  }

  /** Publishes one entry and waits until the service has handled it; returns what became of it. */
  private async deliver(channel: BusChannel, fields: readonly string[]): Promise<{ entryId: string; outcome: string; droppedDelta: number }> {
    const stream = streamOf(channel.type);
    const reader = this.bus.reader;
    const [handledBefore, droppedBefore] = channel.kind === "reader" && reader ? [await reader.handled(), await reader.dropped()] : [0, 0];
    const ignoredBefore = channel.kind === "group" ? await this.ignoredCount(stream) : 0;
    const entryId = String(await this.redis.call("XADD", stream, "*", ...fields));
    if (channel.kind === "group") {
      await pollUntil(`${this.bus.target.service} to acknowledge ${stream} ${entryId}`, async () => {
        const info = await groupInfo(this.redis, stream, this.bus.target.service);
        return info !== null && idAtLeast(info.lastDelivered, entryId) && info.pending === 0 ? info : null;
      });
      const dead = await this.deadLetter(stream, entryId);
      const ignored = (await this.ignoredCount(stream)) > ignoredBefore;
      return { entryId, outcome: dead ? `dead-lettered:${dead.reason_class}` : ignored ? "ignored" : "processed", droppedDelta: 0 };
    }
    if (!reader) throw new Error(`${this.bus.target.service} has a reader channel but no reader progress`);
    await pollUntil(`${this.bus.target.service}'s reader to pass ${stream} ${entryId}`, async () => ((await reader.handled()) > handledBefore ? true : null));
    const droppedDelta = (await reader.dropped()) - droppedBefore;
    return { entryId, outcome: droppedDelta > 0 ? "dropped" : "read", droppedDelta };
  }

  async fuzzChannel(channel: BusChannel, numRuns: number): Promise<ChannelTally> {
    const settings = fuzzRunSettings();
    const stream = streamOf(channel.type);
    const tally: ChannelTally = { channel: `${this.bus.target.service} ${channel.kind} ${channel.type} (${stream})`, cases: 0, outcomes: {}, totalMs: 0 };
    const started = performance.now();
    let baseline: TableChecksums | null = await this.checksums.settled();
    let otherOutbox = await this.otherOutboxMessages();

    const property = fc.asyncProperty(busCase(channel.type), async (c: BusCase) => {
      const before = baseline ?? (await this.checksums.take());
      baseline = null;
      this.bus.target.logs.take();
      const { entryId, outcome, droppedDelta } = await this.deliver(channel, c.fields).catch((err: unknown) => {
        const recent = this.bus.target.logs.take().slice(-10).join("\n").slice(0, 3_000);
        throw new Error(`${(err as Error).message}\n  case (${c.kind}, ${c.valid ? "valid" : "invalid"}): ${describeFields(c.fields)}\n  the service's last log lines:\n${recent}`);
      });
      tally.cases += 1;
      const label = `${c.valid ? "valid" : "invalid"}→${outcome}`;
      if (c.valid || outcome !== "read") tally.outcomes[label] = (tally.outcomes[label] ?? 0) + 1;
      const lines = this.bus.target.logs.take().map(parseLogLine);
      const fail = (what: string): never => {
        throw new Error(`${tally.channel}: ${what}\n  case (${c.kind}, ${c.valid ? "valid" : "invalid"}): ${describeFields(c.fields)}\n  entry ${entryId}: ${outcome}`);
      };
      const errors = lines.filter((l) => l.level === "error" || l.level === "fatal" || l.level === "unparsable");
      if (errors.length > 0) fail(`the service logged ${errors.length} error line(s): ${JSON.stringify(errors).slice(0, 1_500)}`);
      if (c.valid) {
        // Acted on, turned down as of no use (acknowledged without a transaction), or refused by its handler
        // and dead-lettered: each is an outcome.
        if (channel.kind === "group" && outcome === "processed" && c.messageId !== null && !(await this.inboxHas(c.messageId))) fail("acknowledged without an inbox record");
        baseline = await this.checksums.settled();
        otherOutbox = await this.otherOutboxMessages();
        return;
      }
      if (channel.kind === "group") {
        if (outcome !== "dead-lettered:malformed") fail(`a malformed entry was not dead-lettered as malformed (${outcome})`);
        const dead = await this.deadLetter(stream, entryId);
        if (!dead?.reason) fail("dead-lettered without a reason");
      } else {
        // Market data is counted by kind; a broken account snapshot (read on the same path) is logged.
        const warnedDrop = lines.some((l) => l.level === "warn" && /dropped/.test(String(l.msg)));
        if (droppedDelta < 1 && !warnedDrop) fail("a malformed entry was read without being counted or logged as dropped");
        if (droppedDelta < 1) tally.outcomes["invalid→dropped (logged)"] = (tally.outcomes["invalid→dropped (logged)"] ?? 0) + 1;
      }
      const after = await this.checksums.take();
      baseline = after;
      const changed = changedTables(before, after);
      if (changed.length > 0) fail(`a refused message changed ${changed.join(", ")}`);
      const outboxNow = await this.otherOutboxMessages();
      if (outboxNow !== otherOutbox) fail(`a refused message put ${outboxNow - otherOutbox} message(s) other than its dead letter in the outbox`);
    });

    // Never shrunk: a failing case can cost a whole wait for an acknowledgement, and the entry is reported whole.
    await fc.assert(property, { numRuns, ...(settings.seed !== undefined ? { seed: settings.seed } : {}), endOnFailure: true });
    tally.totalMs = performance.now() - started;
    return tally;
  }

  /** A valid message nobody acts on: each channel must still read and acknowledge it. */
  async probe(channel: BusChannel): Promise<void> {
    const id = randomUUID();
    const { outcome } = await this.deliver(channel, probeFields(id));
    const handled = outcome === "ignored" || (outcome === "processed" && (await this.inboxHas(id)));
    if (channel.kind === "group" && !handled) throw new Error(`${this.bus.target.service} did not process the probe on ${streamOf(channel.type)} (${outcome})`);
  }
}

export const formatChannelTallies = (tallies: readonly ChannelTally[]): string =>
  tallies
    .map((t) => `${t.channel.padEnd(70)} ${String(t.cases).padStart(6)} cases  ${(t.totalMs / 1000).toFixed(1).padStart(6)} s  [${Object.entries(t.outcomes).sort().map(([k, n]) => `${k}×${n}`).join(" ")}]`)
    .join("\n");
