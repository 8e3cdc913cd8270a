// Reads the bus streams the console shows from their tail with plain XREAD (not a consumer group):
// every console instance needs every event, so each reads for itself and the instances scale out
// without sharing anything. On a Redis error it waits and resumes after the last entry it saw.
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { contractValidator } from "../../shared/bus.js";
import { streamOf, type Envelope, type MessageType } from "../../shared/contracts/index.js";
import { parseStreamEntry } from "../../shared/messaging/index.js";

export interface LiveFeedOptions {
  readonly redis: Redis;
  readonly types: readonly MessageType[];
  /** The messages of one read, in stream order (a read under load brings many: they go out together). */
  readonly onEnvelopes: (envelopes: readonly Envelope[]) => void;
  readonly logger: Logger;
  readonly blockMs?: number;
  readonly batch?: number;
  /** Counts entries that were not valid messages (they are skipped: the console only shows). */
  readonly onMalformed?: (stream: string, reason: string) => void;
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

export class LiveFeed {
  private readonly reader: Redis;
  private readonly lastIds = new Map<string, string>();
  private readonly wanted: ReadonlySet<string>;
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly o: LiveFeedOptions) {
    // A connection of its own: XREAD BLOCK holds it, and it must queue commands while reconnecting.
    this.reader = o.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: "titan-console-live" });
    this.reader.on("error", (err: Error) => o.logger.debug({ err: err.message }, "live feed: redis connection error"));
    this.wanted = new Set(o.types);
    for (const stream of new Set(o.types.map(streamOf))) this.lastIds.set(stream, "$");
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    while (this.running) {
      try {
        const streams = [...this.lastIds.keys()];
        const reply = (await this.reader.xread("COUNT", this.o.batch ?? 500, "BLOCK", this.o.blockMs ?? 1000, "STREAMS", ...streams, ...streams.map((s) => this.lastIds.get(s) ?? "$"))) as XReadReply;
        backoffMs = 100;
        const envelopes: Envelope[] = [];
        for (const [stream, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            this.lastIds.set(stream, id);
            const parsed = parseStreamEntry(fields, contractValidator);
            if (parsed.kind === "malformed") this.o.onMalformed?.(stream, parsed.reason);
            else if (parsed.kind === "message" && this.wanted.has(parsed.envelope.type)) envelopes.push(parsed.envelope as Envelope); // the contracts' validator admitted it
          }
        }
        if (envelopes.length > 0) this.o.onEnvelopes(envelopes);
      } catch (err) {
        if (!this.running) return;
        this.o.logger.debug({ err: (err as Error).message, backoffMs }, "live feed: XREAD failed; retrying");
        await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  }
}
