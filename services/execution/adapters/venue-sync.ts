// Keeps the shadow state fed: the venue's pushes go straight to the shadow book, and a catch-up by
// polling fetches what a push may have missed — on start, when the private stream comes back, before
// every reconciliation, and in a loop with backoff while the stream is down (the fallback). Polled
// events go through the same reports as pushed ones, so either path can deliver a fill, once.

import type { Logger } from "pino";
import type { Clock } from "../../shared/clock.js";
import type { Database } from "../../shared/db/database.js";
import type { VenueOrder } from "../domain/venue-types.js";
import type { Venue, VenueListener } from "../venues/venue.js";
import type { ShadowBook } from "./shadow-book.js";
import { getMeta, setMeta } from "./store.js";

export interface VenueHealth {
  venueCall(ok: boolean): void;
  stream(up: boolean): void;
}

export interface VenueSyncOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly venue: Venue;
  readonly shadow: ShadowBook;
  readonly health: VenueHealth;
  /** Fills are re-read from this long before the last complete catch-up (clock skew, out-of-order commits). */
  readonly overlapMs?: number;
}

const CURSOR_KEY = "fill_cursor_ms";

export class VenueSync implements VenueListener {
  private streamUp = false;
  private running = false;
  private pollLoop: Promise<void> | null = null;
  private wakePoll: (() => void) | null = null;
  private catchingUp: Promise<CatchUpResult> | null = null;

  constructor(private readonly o: VenueSyncOptions) {}

  onOrders(orders: readonly VenueOrder[]): void {
    void this.o.shadow.ingestPushed({ orders }).catch((err: unknown) => this.o.logger.error({ err }, "recording pushed order reports failed; polling will bring them again"));
  }

  onFills(fills: Parameters<VenueListener["onFills"]>[0]): void {
    void this.o.shadow.ingestPushed({ fills }).catch((err: unknown) => this.o.logger.error({ err }, "recording pushed fills failed; polling will bring them again"));
  }

  onStreamState(up: boolean): void {
    this.streamUp = up;
    this.o.health.stream(up);
    if (up) void this.catchUp().catch(() => undefined);
    else this.wakePoll?.();
  }

  start(): void {
    this.running = true;
    this.pollLoop = this.pollWhileStreamDown();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakePoll?.();
    await this.pollLoop;
    await this.catchingUp?.catch(() => undefined);
  }

  /** One catch-up at a time; a caller arriving during one waits for it and gets its result. */
  catchUp(): Promise<CatchUpResult> {
    this.catchingUp ??= this.runCatchUp().finally(() => (this.catchingUp = null));
    return this.catchingUp;
  }

  private async runCatchUp(): Promise<CatchUpResult> {
    const startedMs = this.o.clock.nowMs();
    const overlapMs = this.o.overlapMs ?? 30_000;
    try {
      let cursor = await getMeta<number>(this.o.db, CURSOR_KEY);
      if (cursor === null) {
        // A first start adopts nothing from before it: reconciliation reports what the venue already holds.
        cursor = startedMs;
        await setMeta(this.o.db, CURSOR_KEY, cursor, startedMs);
      }
      const fills = await this.o.venue.fills(cursor - overlapMs);
      const newFills = await this.o.shadow.ingest({ fills }, "poll");
      const venueOpen = await this.o.venue.openOrders();
      await this.o.shadow.ingest({ orders: venueOpen }, "poll");
      // Orders the shadow state still thinks open but the venue no longer lists: ask for each one's fate.
      const listed = new Set(venueOpen.flatMap((o) => [o.venueOrderId, o.clientOrderId ?? ""]));
      const settled: VenueOrder[] = [];
      for (const order of this.o.shadow.openOrders()) {
        if (listed.has(order.clientOrderId) || (order.venueOrderId && listed.has(order.venueOrderId))) continue;
        const found = await this.o.venue.findOrder(order.symbol, order.clientOrderId);
        if (found) settled.push(found);
      }
      if (settled.length > 0) await this.o.shadow.ingest({ orders: settled }, "poll");
      await setMeta(this.o.db, CURSOR_KEY, Math.max(cursor, startedMs), this.o.clock.nowMs());
      this.o.health.venueCall(true);
      return { newFills, openOrders: venueOpen.length, settledOrders: settled.length };
    } catch (err) {
      this.o.health.venueCall(false);
      this.o.logger.warn({ err: (err as Error).message }, "catching up with the venue failed");
      throw err;
    }
  }

  /** The fallback: while the private stream is down, poll with backoff (1 s doubling to 10 s). */
  private async pollWhileStreamDown(): Promise<void> {
    let delayMs = 1_000;
    while (this.running) {
      if (this.streamUp) {
        delayMs = 1_000;
        await this.sleepOrWake(5_000);
        continue;
      }
      await this.catchUp().then(
        () => (delayMs = 1_000),
        () => (delayMs = Math.min(10_000, delayMs * 2)),
      );
      await this.sleepOrWake(delayMs);
    }
  }

  private sleepOrWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.o.clock.setTimer(ms, done);
      function done(): void {
        cancel();
        resolve();
      }
      this.wakePoll = done;
    });
  }
}

export interface CatchUpResult {
  readonly newFills: number;
  readonly openOrders: number;
  readonly settledOrders: number;
}
