// Where the local stack keeps its state (everything under one ignored folder, `.titan` by default)
// and the manifest `stack.json` that tells humans and `titanctl status` what runs where.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_DIR = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

export interface StackLayout {
  readonly root: string;
  readonly repoDir: string;
  readonly pgDir: string;
  readonly redisDir: string;
  readonly prometheusDir: string;
  readonly alertmanagerDir: string;
  readonly pushgatewayDir: string;
  readonly nginxDir: string;
  readonly caDir: string;
  readonly secretsDir: string;
  readonly pm2Dir: string;
  readonly logsDir: string;
  /** Pid files of the helper daemons (exporters, Prometheus, Alertmanager, Pushgateway). */
  readonly runDir: string;
  readonly manifestFile: string;
}

/** TITAN_STACK_DIR moves the whole stack (tests use a scratch folder); otherwise `<repo>/.titan`. */
export const resolveStackDir = (env: NodeJS.ProcessEnv, repoDir = REPO_DIR): string => {
  const configured = env.TITAN_STACK_DIR?.trim();
  if (!configured) return join(repoDir, ".titan");
  return isAbsolute(configured) ? configured : resolve(configured);
};

export const stackLayout = (root: string, repoDir = REPO_DIR): StackLayout => ({
  root,
  repoDir,
  pgDir: join(root, "pg"),
  redisDir: join(root, "redis"),
  prometheusDir: join(root, "prometheus"),
  alertmanagerDir: join(root, "alertmanager"),
  pushgatewayDir: join(root, "pushgateway"),
  nginxDir: join(root, "nginx"),
  caDir: join(root, "ca"),
  secretsDir: join(root, "secrets"),
  pm2Dir: join(root, "pm2"),
  logsDir: join(root, "logs"),
  runDir: join(root, "run"),
  manifestFile: join(root, "stack.json"),
});

/** Creates the folders; the state root stays traversable because PostgreSQL runs as another user. */
export const ensureLayout = (layout: StackLayout): void => {
  mkdirSync(layout.root, { recursive: true, mode: 0o755 });
  chmodSync(layout.root, 0o755);
  for (const dir of [layout.redisDir, layout.prometheusDir, layout.alertmanagerDir, layout.pushgatewayDir, layout.nginxDir, layout.pm2Dir, layout.logsDir, layout.runDir]) {
    mkdirSync(dir, { recursive: true });
  }
  for (const dir of [layout.secretsDir, layout.caDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
};

/** How `titanctl status` probes a component (shape shared with services/cli/commands/status.ts). */
export type StatusTarget =
  | { readonly name: string; readonly kind: "http"; readonly url: string; readonly critical?: boolean }
  | { readonly name: string; readonly kind: "postgres"; readonly url: string; readonly passwordFile?: string; readonly critical?: boolean }
  | { readonly name: string; readonly kind: "redis"; readonly url: string; readonly passwordFile?: string; readonly critical?: boolean };

export interface ManifestComponent {
  readonly name: string;
  /** A "service" is restarted after a restore; the "scheduler" (backups) is not, it holds no state. */
  readonly kind: "datastore" | "monitoring" | "entrypoint" | "service" | "job" | "scheduler";
  /** Where a human reaches it (browser URL, connection URL without secrets). */
  readonly url: string;
  readonly port: number | null;
  readonly pidFile: string;
  readonly logFile: string;
  /** What `up` waits for: an HTTP(S) URL answering 200, or a datastore ping. */
  readonly healthUrl: string | null;
}

export interface StackManifest {
  readonly version: 1;
  readonly state: "up" | "down";
  readonly root: string;
  readonly repoDir: string;
  readonly portOffset: number;
  readonly updatedAt: string;
  readonly caFile: string;
  readonly pm2Home: string;
  readonly components: readonly ManifestComponent[];
  readonly statusTargets: readonly StatusTarget[];
}

export const writeManifest = (layout: StackLayout, manifest: StackManifest): void => {
  const tmp = `${layout.manifestFile}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, layout.manifestFile);
};

export const readManifest = (layout: StackLayout): StackManifest | undefined =>
  existsSync(layout.manifestFile) ? (JSON.parse(readFileSync(layout.manifestFile, "utf8")) as StackManifest) : undefined;
