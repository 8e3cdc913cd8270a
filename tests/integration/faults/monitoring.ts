// The fault world's monitoring: a real Prometheus (Debian's 2.42) with the PostgreSQL and Redis exporters
// against the world's own servers, scraping the services' /metrics and evaluating the catalogue's rule
// files, so a fault test can ask Prometheus's API whether the alert for its fault fired. The expressions,
// labels and annotations are production's; only `for` is capped (ALERT_FOR_CAP_SECONDS), because a
// fault lasts seconds here, and scraping and evaluation run every second instead of every 15.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import getPort from "get-port";
import { allAlerts } from "../../../alerts/catalogue.js";
import { STACK_JOBS } from "../../../alerts/config.js";
import { writeRuleFiles } from "../../../alerts/render-rules.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { AlertWatch, type ActiveAlert, type ExpectedAlert } from "./alert-watch.js";

/** Every alert's `for` is at most this in the test rendering (production's are minutes). */
export const ALERT_FOR_CAP_SECONDS = 1;
export const SCRAPE_INTERVAL_SECONDS = 1;
export const EVALUATION_INTERVAL_SECONDS = 1;
/**
 * postgres_exporter 0.11 takes a fixed ~1 s to report pg_up 0 (its connection attempt's own timeout), so
 * its job is scraped every 2 s with a 2 s timeout: a shorter one would lose pg_up with the scrape.
 */
export const POSTGRES_EXPORTER_SCRAPE_SECONDS = 2;

/** How the figures table names the timing the alerts ran with. */
export const ALERT_TIMING_NOTE = `production expressions, every \`for\` capped at ${ALERT_FOR_CAP_SECONDS}s; scrape ${SCRAPE_INTERVAL_SECONDS}s (postgres exporter ${POSTGRES_EXPORTER_SCRAPE_SECONDS}s), evaluation ${EVALUATION_INTERVAL_SECONDS}s`;

export interface MonitoringOptions {
  readonly dir: string;
  /** Job name (= service name) → its plain-HTTP port on 127.0.0.1. */
  readonly services: Readonly<Record<string, number>>;
  /** The exporter's connection string (a superuser on the world's cluster). */
  readonly postgresUrl: string;
  readonly redisUrl: string;
}

/** A helper server run as a child process, its output to a log file the errors quote. */
class Daemon {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    cmd: string,
    args: readonly string[],
    readonly logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const fd = openSync(logFile, "a");
    this.child = spawn(cmd, args, { env, stdio: ["ignore", fd, fd] });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    this.child.once("error", () => undefined); // a missing binary shows as an exit; the caller's wait names it
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  log(): string {
    return readFileSync(this.logFile, "utf8").slice(-3_000);
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill("SIGTERM");
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (this.running) this.child.kill("SIGKILL");
  }
}

const seconds = (n: number): string => `${n}s`;

export const prometheusConfig = (o: { rulesDir: string; services: Readonly<Record<string, number>>; postgresExporterPort: number; redisExporterPort: number }): object => ({
  global: { scrape_interval: seconds(SCRAPE_INTERVAL_SECONDS), scrape_timeout: seconds(SCRAPE_INTERVAL_SECONDS), evaluation_interval: seconds(EVALUATION_INTERVAL_SECONDS) },
  rule_files: [join(o.rulesDir, "*.yml")],
  scrape_configs: [
    // Job and `service` labels as the local stack sets them (scripts/stack/prometheus.ts): the rules select on them.
    ...Object.entries(o.services).map(([service, port]) => ({ job_name: service, static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { service } }] })),
    {
      job_name: STACK_JOBS.postgresExporter,
      scrape_interval: seconds(POSTGRES_EXPORTER_SCRAPE_SECONDS),
      scrape_timeout: seconds(POSTGRES_EXPORTER_SCRAPE_SECONDS),
      static_configs: [{ targets: [`127.0.0.1:${o.postgresExporterPort}`] }],
    },
    { job_name: STACK_JOBS.redisExporter, static_configs: [{ targets: [`127.0.0.1:${o.redisExporterPort}`] }] },
  ],
});

export class Monitoring {
  private constructor(
    readonly url: string,
    private readonly daemons: readonly Daemon[],
  ) {}

  static async start(o: MonitoringOptions): Promise<Monitoring> {
    const dir = join(o.dir, "monitoring");
    const rulesDir = join(dir, "rules");
    mkdirSync(dir, { recursive: true });
    writeRuleFiles(rulesDir, { maxForSeconds: ALERT_FOR_CAP_SECONDS });
    const [prometheusPort, postgresExporterPort, redisExporterPort] = [await getPort(), await getPort(), await getPort()];
    const configFile = join(dir, "prometheus.yml");
    writeFileSync(configFile, JSON.stringify(prometheusConfig({ rulesDir, services: o.services, postgresExporterPort, redisExporterPort }), null, 2));

    const daemons: Daemon[] = [];
    const monitoring = new Monitoring(`http://127.0.0.1:${prometheusPort}`, daemons);
    try {
      // Only pg_up is read here: the exporter's other collectors would query the cluster every 2 s for nothing.
      daemons.push(
        new Daemon(
          "postgres-exporter",
          "prometheus-postgres-exporter",
          [`--web.listen-address=127.0.0.1:${postgresExporterPort}`, "--disable-default-metrics", "--disable-settings-metrics", "--no-collector.database", "--no-collector.bgwriter", "--log.level=error"],
          join(dir, "postgres-exporter.log"),
          { ...process.env, DATA_SOURCE_NAME: o.postgresUrl },
        ),
        new Daemon("redis-exporter", "prometheus-redis-exporter", [`-redis.addr=${o.redisUrl}`, `-web.listen-address=127.0.0.1:${redisExporterPort}`, "-log-format=txt"], join(dir, "redis-exporter.log")),
        new Daemon(
          "prometheus",
          "prometheus",
          [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, "data")}`, "--storage.tsdb.retention.time=1h", `--web.listen-address=127.0.0.1:${prometheusPort}`, "--log.level=warn"],
          join(dir, "prometheus.log"),
        ),
      );
      const prometheus = daemons[2]!;
      await waitFor(async () => {
        for (const d of daemons) if (!d.running) throw new Error(`${d.name} exited while starting:\n${d.log()}`);
        return fetch(`${monitoring.url}/-/ready`).then((r) => r.ok).catch(() => false);
      }, 30_000, "Prometheus to be ready");
      // The catalogue's every alert, from the rendered files: a rule Prometheus refused would show here.
      const catalogue = allAlerts().map((a) => a.name);
      await waitFor(async () => {
        const loaded = new Set(await monitoring.loadedAlertNames());
        return catalogue.every((name) => loaded.has(name));
      }, 10_000, `Prometheus to load every alert of the catalogue from the rule files (its log: ${prometheus.logFile})`);
    } catch (err) {
      await monitoring.close();
      throw err;
    }
    return monitoring;
  }

  private async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  /** The alerts Prometheus has pending or firing now. */
  async activeAlerts(): Promise<ActiveAlert[]> {
    const data = await this.api<{ alerts: Array<{ labels: Record<string, string>; state: string; activeAt: string }> }>("/api/v1/alerts");
    return data.alerts.map((a) => ({ name: a.labels.alertname ?? "", labels: a.labels, state: a.state === "firing" ? "firing" : "pending", activeAtMs: Date.parse(a.activeAt) }));
  }

  /** Names of the alerting rules Prometheus evaluates. */
  async loadedAlertNames(): Promise<string[]> {
    const data = await this.api<{ groups: Array<{ rules: Array<{ type: string; name: string }> }> }>("/api/v1/rules?type=alert");
    return data.groups.flatMap((g) => g.rules.map((r) => r.name));
  }

  /** Whether Prometheus's last scrape of every job succeeded. */
  async targetsUp(): Promise<Record<string, boolean>> {
    const data = await this.api<{ activeTargets: Array<{ labels: Record<string, string>; health: string }> }>("/api/v1/targets?state=active");
    return Object.fromEntries(data.activeTargets.map((t) => [t.labels.job ?? "?", t.health === "up"]));
  }

  /** Starts polling the alerts for these expectations (stop it with `stop()`). */
  watch(expected: readonly ExpectedAlert[]): AlertWatch {
    return AlertWatch.start(expected, () => this.activeAlerts());
  }

  async close(): Promise<void> {
    for (const d of [...this.daemons].reverse()) await d.stop();
  }
}
