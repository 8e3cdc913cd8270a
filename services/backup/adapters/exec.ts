// Running the PostgreSQL and system tools a backup needs. Server programs (pg_ctl) refuse to run as
// root, so as root they run as the `postgres` user, the way scripts/lib/local-servers.ts starts them.
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const isRoot = (): boolean => process.getuid?.() === 0;

export const postgresBinDir = (): string => {
  for (const dir of ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]) {
    if (existsSync(join(dir, "pg_basebackup"))) return dir;
  }
  throw new Error("PostgreSQL client and server binaries not found under /usr/lib/postgresql/<15|16|17>/bin: run scripts/install-dependencies.sh");
};

export const pgBin = (program: string): string => join(postgresBinDir(), program);

export interface RunOptions {
  /** Run as the `postgres` user when this process is root. */
  readonly asPostgres?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Called with each line the program writes to stderr (progress). */
  readonly onLine?: (line: string) => void;
}

/** Runs a program to completion; throws with the end of its output when it fails. */
export const runProgram = (program: string, args: readonly string[], opts: RunOptions = {}): Promise<string> =>
  new Promise((resolve, reject) => {
    const [cmd, argv] = opts.asPostgres && isRoot() ? ["runuser", ["-u", "postgres", "--", program, ...args]] : [program, [...args]];
    const child = spawn(cmd, argv, { env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString();
      stderr = (stderr + text).slice(-20_000);
      if (!opts.onLine) return;
      const lines = (partial + text).split(/\r|\n/);
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.trim() !== "") opts.onLine(l.trim());
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", (err) => reject(new Error(`${program}: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${program} ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${(stderr || stdout).trim().split("\n").slice(-8).join("\n")}`));
    });
  });

let postgresIds: { uid: number; gid: number } | undefined;

/** Hands a path (recursively) to the postgres user when running as root; a no-op otherwise. */
export const chownToPostgres = (path: string, recursive = false): void => {
  if (!isRoot()) return;
  postgresIds ??= {
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  };
  chownSync(path, postgresIds.uid, postgresIds.gid);
  if (recursive && statSync(path).isDirectory()) {
    for (const entry of readdirSync(path, { recursive: true })) chownSync(join(path, String(entry)), postgresIds.uid, postgresIds.gid);
  }
};
