// One Titan service run as a child process on a fixed port, so it can be SIGKILLed and started again
// where its peers expect it; its trading state and other figures are read from its /metrics page,
// which answers without PostgreSQL or Redis (as Prometheus would scrape it during an outage).
import type { ServiceName } from "../../../ops/services.js";
import { spawnTsChild, type ChildExit, type TestChild } from "../../support/child-process.js";

export type TradingStateName = "ACTIVE" | "REDUCING" | "HALTED";

/** The gauges' encoding (0 ACTIVE, 1 REDUCING, 2 HALTED). */
const STATE_BY_VALUE: readonly TradingStateName[] = ["ACTIVE", "REDUCING", "HALTED"];

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Prometheus text exposition → samples (comments and blank lines skipped). */
export const parseMetrics = (text: string): MetricSample[] => {
  const samples: MetricSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
};

export class ServiceProcess {
  private child: TestChild | null = null;
  /** Exits nobody asked for (a crash during a fault is a failure of its own). */
  readonly unexpectedExits: Array<ChildExit & { readonly output: string }> = [];
  private expectingExit = false;

  constructor(
    readonly service: ServiceName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.process.exitCode === null && this.child.process.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.process.pid;
  }

  output(): string {
    return this.child?.output() ?? "";
  }

  /** Starts the process (it listens on `port`); `ready()` waits for it. */
  start(): void {
    if (this.running) throw new Error(`${this.service} is already running`);
    const child = spawnTsChild(`services/${this.service}/main.ts`, [], { ...this.env, TITAN_HTTP_PORT: String(this.port) });
    this.child = child;
    this.expectingExit = false;
    void child.exited.then((exit) => {
      if (!this.expectingExit) this.unexpectedExits.push({ ...exit, output: child.output().slice(-4_000) });
    });
  }

  /** SIGKILL: no shutdown code runs. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.expectingExit = true;
    child.process.kill("SIGKILL");
    await child.exited;
  }

  /** SIGTERM and wait (the end of the test). */
  async terminate(): Promise<ChildExit | null> {
    const child = this.child;
    if (!child) return null;
    this.expectingExit = true;
    return child.terminate();
  }

  private async get(path: string): Promise<Response | null> {
    try {
      return await fetch(`http://127.0.0.1:${this.port}${path}`, { signal: AbortSignal.timeout(2_000) });
    } catch {
      return null; // not listening (killed, starting) or too slow: the caller polls again
    }
  }

  /** Its /metrics, or null while it does not answer. */
  async metrics(): Promise<MetricSample[] | null> {
    const res = await this.get("/metrics");
    return res?.ok ? parseMetrics(await res.text()) : null;
  }

  /** /health/ready's verdict, or null while it does not answer. */
  async ready(): Promise<boolean | null> {
    const res = await this.get("/health/ready");
    if (res === null) return null;
    await res.body?.cancel();
    return res.status === 200;
  }

  /** A metric's value for the labels given (every label must match); null when absent or unreachable. */
  async value(name: string, labels: Record<string, string> = {}): Promise<number | null> {
    const samples = await this.metrics();
    const found = samples?.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    return found && found.length > 0 ? found.reduce((sum, s) => sum + s.value, 0) : null;
  }

  /** The trading state it reports (titan_<service>_trading_state), or null. */
  async tradingState(): Promise<TradingStateName | null> {
    const value = await this.value(`titan_${this.service}_trading_state`);
    return value === null ? null : (STATE_BY_VALUE[value] ?? null);
  }

  /** Causes in force (1 in the service's cause gauge: the brain's `trading_state_cause_info`, execution's `trading_cause_state`). */
  async causes(): Promise<string[]> {
    const name = this.service === "brain" ? "titan_brain_trading_state_cause_info" : `titan_${this.service}_trading_cause_state`;
    const samples = (await this.metrics()) ?? [];
    return samples.filter((s) => s.name === name && s.value === 1).map((s) => s.labels.cause ?? "?");
  }
}
