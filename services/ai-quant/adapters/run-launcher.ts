// Starts a run of the job for the API: the same program PM2's cron and the Kubernetes CronJob run, as a
// child process (the optimisation is CPU-bound for minutes; the API stays responsive), told its run id
// so the caller can watch it. The child's log lines go to the API's log. Stopping the API stops them.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";

export interface RunLaunchOptions {
  readonly from?: string;
  readonly to?: string;
  readonly seed?: number;
}

export interface RunLauncher {
  launch(runId: string, options: RunLaunchOptions): void;
  stop(): Promise<void>;
}

/** The job's entry point beside this file: main.ts under tsx, main.js when compiled. */
const jobEntry = (): string => fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "../main.ts" : "../main.js", import.meta.url));

export interface ChildLauncherOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Node's own arguments for the child; this process's by default (`--import tsx` when it runs sources). */
  readonly nodeArgs?: readonly string[];
  readonly cwd?: string;
}

export function childProcessLauncher(logger: Logger, options: ChildLauncherOptions = {}): RunLauncher {
  const env = options.env ?? process.env;
  const children = new Set<ChildProcess>();
  return {
    launch: (runId, run) => {
      const args = [
        ...(options.nodeArgs ?? process.execArgv),
        jobEntry(),
        "--trigger",
        "manual",
        "--run-id",
        runId,
        "--no-progress",
        ...(run.from ? ["--from", run.from] : []),
        ...(run.to ? ["--to", run.to] : []),
        ...(run.seed !== undefined ? ["--seed", String(run.seed)] : []),
      ];
      const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"], ...(options.cwd ? { cwd: options.cwd } : {}) });
      children.add(child);
      const forward = (stream: NodeJS.ReadableStream | null, level: "info" | "warn") =>
        stream?.on("data", (chunk: Buffer) => {
          for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logger[level]({ runId, job: line.trim().slice(0, 2_000) }, "ai-quant run output");
        });
      forward(child.stdout, "info");
      forward(child.stderr, "warn");
      child.on("exit", (code, signal) => {
        children.delete(child);
        logger.info({ runId, code, signal }, "ai-quant run process ended");
      });
      child.on("error", (err) => {
        children.delete(child);
        logger.error({ runId, err }, "ai-quant run process could not start");
      });
    },
    stop: async () => {
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
