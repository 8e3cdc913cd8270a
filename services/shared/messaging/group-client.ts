// The Redis side of one consumer in one group: group creation, blocking reads on a connection of their
// own, pending-list queries, claims and acknowledgements, each bounded by a timeout.
import type { Redis } from "ioredis";
import type { Clock } from "../clock.js";
import type { StopSignal } from "../stop-signal.js";
import {
  parseAutoClaimReply,
  parseEntries,
  parseGroupInfo,
  parsePendingRange,
  parseReadGroupReply,
  type PendingEntry,
  type StreamEntry,
} from "./redis-replies.js";
import { withTimeout } from "./timeout.js";
import type { MessagingLogger } from "./types.js";

export interface GroupClientOptions {
  /** Command connection, owned by the caller. */
  readonly redis: Redis;
  readonly group: string;
  readonly consumer: string;
  readonly clock: Clock;
  readonly commandTimeoutMs: number;
  readonly log: MessagingLogger;
  /** The blocking connection came back after a loss (see `openBlocking`). */
  readonly onReconnect: () => void;
}

export class ConsumerGroupClient {
  private blocking: Redis | null = null;

  constructor(private readonly o: GroupClientOptions) {}

  /** Blocking reads hold their connection; it waits through outages and resumes after reconnects. */
  openBlocking(): void {
    const blocking = this.o.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, protocol: 2, lazyConnect: false });
    blocking.on("error", (err: Error) => this.o.log.debug({ err: err.message }, "stream consumer: blocking connection error"));
    let connectedBefore = false;
    blocking.on("ready", () => {
      // A read whose reply died with the old connection still delivered its entries to us: the client
      // resends the read, which returns only newer ones, so the owner must look at its pending list.
      if (connectedBefore) this.o.onReconnect();
      connectedBefore = true;
    });
    this.blocking = blocking;
  }

  /** A read that never answered leaves its connection suspect: start over on a fresh one. */
  replaceBlocking(): void {
    this.closeBlocking();
    this.openBlocking();
  }

  closeBlocking(): void {
    this.blocking?.disconnect();
    this.blocking = null;
  }

  /** Waits, at most `commandTimeoutMs` or until `abandon` is stopped, for a command connection still coming up. */
  async commandConnectionReady(abandon: StopSignal): Promise<void> {
    const { redis } = this.o;
    if (redis.status === "ready") return;
    let onReady: () => void = () => undefined;
    let cancel: () => void = () => undefined;
    try {
      await abandon.race(
        new Promise<void>((resolve) => {
          onReady = resolve;
          redis.once("ready", onReady);
          cancel = this.o.clock.setTimer(this.o.commandTimeoutMs, resolve);
        }),
      );
    } finally {
      redis.off("ready", onReady);
      cancel();
    }
  }

  /** Creates the group at the stream's start (and the stream) unless it exists; true if created. */
  async ensureGroup(stream: string): Promise<boolean> {
    try {
      await this.cmd("XGROUP", ["CREATE", stream, this.o.group, "0", "MKSTREAM"]);
      return true;
    } catch (err) {
      if (/BUSYGROUP/.test((err as Error).message)) return false;
      throw err;
    }
  }

  /** New entries for this consumer, waiting up to `blockMs`; the promise is bounded by a timeout. */
  readNew(streams: readonly string[], count: number, blockMs: number): Promise<Array<{ stream: string; entries: StreamEntry[] }>> {
    if (!this.blocking) return Promise.resolve([]);
    const read = this.blocking.call("XREADGROUP", [
      "GROUP", this.o.group, this.o.consumer, "COUNT", count, "BLOCK", blockMs, "STREAMS", ...streams, ...streams.map(() => ">"),
    ]);
    read.catch(() => undefined); // it may settle after a stop or timeout, when nobody awaits it any more
    return withTimeout(read, blockMs + this.o.commandTimeoutMs, this.o.clock, "XREADGROUP").then(parseReadGroupReply);
  }

  /** This consumer's pending entries after `start` (`-` or an exclusive `(id`). */
  async ownPending(stream: string, start: string, count: number): Promise<PendingEntry[]> {
    return parsePendingRange(await this.cmd("XPENDING", [stream, this.o.group, start, "+", count, this.o.consumer]));
  }

  /** Takes the entries over whoever holds them; deleted ones drop out of the pending list. */
  async claim(stream: string, ids: readonly string[]): Promise<StreamEntry[]> {
    return parseEntries(await this.cmd("XCLAIM", [stream, this.o.group, this.o.consumer, 0, ...ids]), "XCLAIM");
  }

  /** Claims entries idle at least `minIdleMs` from any consumer, one page from `cursor`. */
  async claimIdle(stream: string, minIdleMs: number, cursor: string, count: number): Promise<{ cursor: string; entries: StreamEntry[] }> {
    return parseAutoClaimReply(await this.cmd("XAUTOCLAIM", [stream, this.o.group, this.o.consumer, minIdleMs, cursor, "COUNT", count]));
  }

  /** Delivery counts of entries this consumer holds (ids in stream order). */
  async deliveryCounts(stream: string, entries: readonly StreamEntry[]): Promise<Map<string, number>> {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (!first || !last) return new Map();
    const pending = parsePendingRange(await this.cmd("XPENDING", [stream, this.o.group, first.id, last.id, entries.length * 2 + 10, this.o.consumer]));
    return new Map(pending.map((p) => [p.id, p.deliveryCount]));
  }

  async ack(stream: string, entryId: string): Promise<void> {
    await this.cmd("XACK", [stream, this.o.group, entryId]);
  }

  async ackMany(stream: string, entryIds: readonly string[]): Promise<void> {
    if (entryIds.length > 0) await this.cmd("XACK", [stream, this.o.group, ...entryIds]);
  }

  /** Resets the entry's idle time so no one claims it mid-retry; false if it is no longer pending. */
  async touch(stream: string, entryId: string): Promise<boolean> {
    const ids = await this.cmd("XCLAIM", [stream, this.o.group, this.o.consumer, 0, entryId, "JUSTID"]);
    return Array.isArray(ids) && ids.length > 0;
  }

  async groupInfo(stream: string): Promise<{ pending: number; lag: number | null } | null> {
    return parseGroupInfo(await this.cmd("XINFO", ["GROUPS", stream]), this.o.group);
  }

  private cmd(command: string, args: (string | number)[]): Promise<unknown> {
    return withTimeout(this.o.redis.call(command, args), this.o.commandTimeoutMs, this.o.clock, command);
  }
}
