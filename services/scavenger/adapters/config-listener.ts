// Wakes this instance when any instance activates a parameter version. The activation transaction
// sends a NOTIFY that PostgreSQL delivers only on commit, to every listener at once; the database stays
// the truth (the listener re-reads the active version), and the minute's poll covers a notification
// lost while the LISTEN connection was down.
import type pg from "pg";
import type { Database } from "../../shared/db/database.js";
import type { MessagingLogger } from "../../shared/messaging/index.js";
import { CONFIG_CHANNEL } from "./config-store.js";

export class ConfigListener {
  private client: pg.PoolClient | null = null;
  private connecting = false;
  private running = false;

  constructor(
    private readonly db: Database,
    private readonly onChange: () => void,
    private readonly logger: MessagingLogger,
  ) {}

  get listening(): boolean {
    return this.client !== null;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.ensure();
  }

  /** (Re)connects if needed; called at start and from the minute's tick. */
  async ensure(): Promise<void> {
    if (!this.running || this.client || this.connecting) return;
    this.connecting = true;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.db.pool.connect();
      const owned = client;
      owned.on("error", (err) => this.drop(owned, err));
      owned.on("notification", (message) => {
        if (message.channel === CONFIG_CHANNEL) this.onChange();
      });
      await owned.query(`LISTEN "${CONFIG_CHANNEL}"`);
      if (!this.running) {
        owned.release(true);
        return;
      }
      this.client = owned;
      this.onChange(); // an activation may have committed while nobody listened
    } catch (err) {
      client?.release(true);
      this.logger.warn({ err: (err as Error).message }, "cannot LISTEN for configuration changes; polling each minute until it can");
    } finally {
      this.connecting = false;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.client) this.drop(this.client);
  }

  private drop(client: pg.PoolClient, err?: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners("notification");
    client.release(true);
    if (err) this.logger.warn({ err: err.message }, "lost the configuration LISTEN connection; reconnecting at the next tick");
  }
}
