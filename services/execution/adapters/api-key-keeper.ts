// Exchange API key rotation without a restart. The key pair's two secret files are polled; when they
// change, the new pair is first tried against the venue (a signed query-api call) and only then
// replaces the pair in use, so a half-written rotation (new key, old secret) never stops trading: the
// old pair keeps signing until the new one works. The key's age, from the venue's own record of its
// creation, is exported for the rotation alert (ops/ SECURITY.apiKeyRotationSeconds).

import type { Logger } from "pino";
import type { Clock } from "../../shared/clock.js";
import { isVenueError } from "../venues/venue.js";
import {
  CredentialFileError,
  credentialFilesStamp,
  keyAgeSeconds,
  keyFingerprint,
  readCredentialFiles,
  sameCredentials,
  type ApiCredentials,
  type CredentialFiles,
} from "../venues/bybit/credentials.js";
import type { ExecutionMetrics } from "./execution-metrics.js";

/** What a venue with rotatable credentials offers (BybitVenue). */
export interface KeyedVenue {
  /** When the venue says the pair was created; rejects when the venue refuses the pair. */
  keyCreatedAtMs(credentials?: ApiCredentials): Promise<number>;
  useCredentials(credentials: ApiCredentials): Promise<void>;
}

export type KeyCheckOutcome = "unchanged" | "applied" | "refused" | "unreadable" | "failed";

/** Bybit's answers for a key it does not accept: unknown key, bad signature, no permission, IP not allowed. */
const REFUSED_CODES = new Set(["10003", "10004", "10005", "10010"]);

export interface ApiKeyKeeperOptions {
  readonly venue: KeyedVenue;
  readonly venueName: string;
  readonly initial: ApiCredentials;
  /** The files to watch; null when the pair came from plain variables (no rotation without a restart). */
  readonly files: CredentialFiles | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ExecutionMetrics;
  readonly intervalMs: number;
}

export class ApiKeyKeeper {
  private current: ApiCredentials;
  private createdAtMs: number | null = null;
  /** Stamp of the files when last read; a new stamp means "read them again". */
  private stamp = "";
  /** A changed pair that could not be tried yet (venue unreachable): tried again at the next tick. */
  private retryPending = false;
  private cancelTimer: (() => void) | null = null;
  private checking: Promise<unknown> | null = null;
  private running = false;

  constructor(private readonly o: ApiKeyKeeperOptions) {
    this.current = o.initial;
  }

  /** The key's creation time as the venue reported it, null until it answered. */
  get keyCreatedAtMs(): number | null {
    return this.createdAtMs;
  }

  async start(): Promise<void> {
    if (this.o.files) this.stamp = credentialFilesStamp(this.o.files);
    for (const outcome of ["applied", "refused", "unreadable", "failed"] as const) this.o.metrics.apiKeyReloadsTotal.inc({ outcome }, 0);
    await this.learnCreatedAt();
    this.running = true;
    this.schedule();
    this.o.logger.info({ key: keyFingerprint(this.current.apiKey), watching: this.o.files !== null }, this.o.files ? "exchange API key: watching its files for rotation" : "exchange API key from variables: rotating it needs a restart");
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    await this.checking?.catch(() => undefined);
  }

  /** One look at the files: reads them when they changed, tries a new pair, and uses it when the venue accepts it. */
  async checkNow(): Promise<KeyCheckOutcome> {
    const run = this.check();
    this.checking = run;
    try {
      return await run;
    } finally {
      if (this.checking === run) this.checking = null;
      this.exportAge();
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.cancelTimer = this.o.clock.setTimer(this.o.intervalMs, () => {
      void this.checkNow()
        .catch((err: unknown) => this.o.logger.error({ err }, "exchange API key check failed"))
        .finally(() => this.schedule());
    });
  }

  private async check(): Promise<KeyCheckOutcome> {
    if (this.createdAtMs === null) await this.learnCreatedAt();
    const files = this.o.files;
    if (!files) return "unchanged";
    const stamp = credentialFilesStamp(files);
    if (stamp === this.stamp && !this.retryPending) return "unchanged";
    this.stamp = stamp;
    let next: ApiCredentials;
    try {
      next = readCredentialFiles(files);
    } catch (err) {
      if (!(err instanceof CredentialFileError)) throw err;
      // Mid-rotation (one file replaced, the other not yet written): the next change reads them again.
      return this.outcome("unreadable", { problem: err.message }, "exchange API key files cannot be read; still using the previous key");
    }
    if (sameCredentials(next, this.current)) {
      this.retryPending = false;
      return "unchanged";
    }
    const key = keyFingerprint(next.apiKey);
    let createdAtMs: number;
    try {
      createdAtMs = await this.o.venue.keyCreatedAtMs(next);
    } catch (err) {
      if (isVenueError(err) && REFUSED_CODES.has(err.code)) {
        // Wrong pair or not yet active at the exchange: only a new change of the files is worth a new try.
        this.retryPending = false;
        return this.outcome("refused", { key, code: err.code }, "the venue refuses the new exchange API key; still using the previous key");
      }
      this.retryPending = true;
      return this.outcome("failed", { key, err: (err as Error).message }, "the new exchange API key could not be tried (venue unreachable?); trying again");
    }
    await this.o.venue.useCredentials(next);
    const previous = keyFingerprint(this.current.apiKey);
    this.current = next;
    this.createdAtMs = createdAtMs;
    this.retryPending = false;
    this.o.metrics.apiKeyReloadsTotal.inc({ outcome: "applied" });
    this.o.logger.info({ key, previous, createdAt: new Date(createdAtMs).toISOString() }, "exchange API key rotated: new requests sign with the new key");
    return "applied";
  }

  private outcome(outcome: Exclude<KeyCheckOutcome, "unchanged" | "applied">, fields: Record<string, unknown>, message: string): KeyCheckOutcome {
    this.o.metrics.apiKeyReloadsTotal.inc({ outcome });
    this.o.logger.warn(fields, message);
    return outcome;
  }

  /** The age metric needs the venue's answer; until it comes, the series is absent rather than wrong. */
  private async learnCreatedAt(): Promise<void> {
    try {
      this.createdAtMs = await this.o.venue.keyCreatedAtMs();
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, "the venue did not say when the exchange API key was created; its age is unknown until it does");
    }
    this.exportAge();
  }

  private exportAge(): void {
    if (this.createdAtMs === null) return;
    this.o.metrics.apiKeyAgeSeconds.set({ venue: this.o.venueName }, keyAgeSeconds(this.createdAtMs, this.o.clock.nowMs()));
  }
}
