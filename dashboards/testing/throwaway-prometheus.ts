// A Prometheus of our own for tests: empty configuration, a temporary data folder, a free port. Queries
// go to it through `promtool query instant`, so Prometheus's real parser and evaluator judge them.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import getPort from "get-port";

export interface ThrowawayPrometheus {
  readonly url: string;
  /** promtool's verdict on an instant query: null when Prometheus accepts it, else the error it printed. */
  queryError(expr: string): Promise<string | null>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

export const startThrowawayPrometheus = async (): Promise<ThrowawayPrometheus> => {
  const dir = mkdtempSync(join(tmpdir(), "titan-dashboards-prom-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, "global: {}\n");
  const port = await getPort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn("prometheus", [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5_000).then(() => child.kill("SIGKILL"))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const failed = await Promise.race([spawnError, sleep(100).then(() => null)]);
    if (failed) {
      await stop();
      throw new Error(`cannot start prometheus (install it with scripts/install-dependencies.sh): ${failed.message}`);
    }
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok).catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready on ${url} after ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
  }

  return {
    url,
    queryError: (expr) =>
      new Promise((resolve) => {
        execFile("promtool", ["query", "instant", url, expr], { timeout: 10_000 }, (error, stdout, stderr) => {
          resolve(error ? `${stderr || stdout || error.message}`.trim() : null);
        });
      }),
    stop,
  };
};
