// The PM2 ecosystem is plain CommonJS (PM2 cannot load TypeScript): these tests pin its copies of the
// ports and names to the TypeScript sources and check what each service is given.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SERVICES } from "../../ops/services.js";
import { stackPorts } from "./ports.js";
import { PM2_APP_ENTRIES, PM2_APPS } from "./pm2.js";
import { REPO_DIR } from "./state.js";

interface App {
  name: string;
  script: string;
  interpreter: string;
  args: string[];
  autorestart: boolean;
  cron_restart?: string;
  max_memory_restart: string;
  kill_timeout: number;
  env: Record<string, string>;
  out_file: string;
  error_file: string;
}

const require = createRequire(import.meta.url);
const saved = { ...process.env };

const load = (file: string, env: Record<string, string | undefined>): Map<string, App> => {
  for (const key of ["TITAN_STACK_MANAGED", "TITAN_STATE_DIR", "TITAN_STACK_PORT_OFFSET", "TITAN_ENV", "TITAN_LOG_LEVEL"]) delete process.env[key];
  Object.assign(process.env, env);
  delete require.cache[require.resolve(file)];
  const apps = (require(file) as { apps: App[] }).apps;
  return new Map(apps.map((a) => [a.name, a]));
};

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

const ecosystem = join(REPO_DIR, "ecosystem.config.cjs");
/** The V8 flags every long-running service gets (ecosystem.config.cjs, SERVICE_NODE_FLAGS; tests/infra/dockerfile.test.ts holds the image to them). */
const SERVICE_FLAGS = ["--max-semi-space-size=4", "--heap-growing-percent=50"];

describe("ecosystem.config.cjs under the local stack", () => {
  const stateDir = "/tmp/titan-state";
  const apps = (offset = 0): Map<string, App> => load(ecosystem, { TITAN_STACK_MANAGED: "1", TITAN_STATE_DIR: stateDir, TITAN_STACK_PORT_OFFSET: String(offset) });

  it("declares the five services, the AI Quant API and the backup scheduler, each running its compiled main directly under Node", () => {
    const all = apps();
    expect([...all.keys()]).toEqual([...PM2_APPS]);
    for (const [name, app] of all) {
      expect(app.script).toBe(process.execPath);
      expect(app.interpreter).toBe("none");
      expect(app.args.at(-1)).toBe(join(REPO_DIR, "dist", PM2_APP_ENTRIES[name as keyof typeof PM2_APP_ENTRIES]));
    }
    expect(all.get("ai-quant-api")!.args.at(-1)).toBe(join(REPO_DIR, "dist", "services", "ai-quant", "api-main.js"));
    expect(all.get("backup")!.args.at(-1)).toBe(join(REPO_DIR, "dist", "services", "backup", "main.js"));
  });

  it("gives the long-running processes smaller V8 semi-spaces and a slower-growing heap (a lower RSS) and leaves the nightly job V8's defaults", () => {
    const all = apps();
    for (const [name, app] of all) {
      const flags = app.args.slice(0, -1);
      if (name === "ai-quant") expect(flags).toEqual([]);
      else expect(flags, name).toEqual(SERVICE_FLAGS);
    }
  });

  it("gives each long-running service its seed port on loopback, and moves it with the stack's offset", () => {
    for (const offset of [0, 1000]) {
      const ports = stackPorts(offset);
      for (const service of ["brain", "execution", "console", "scavenger"] as const) {
        const env = apps(offset).get(service)!.env;
        expect(SERVICES[service].httpPort! + offset).toBe(ports[service]);
        expect(env.TITAN_HTTP_PORT).toBe(String(ports[service]));
        expect(env.TITAN_HTTP_HOST).toBe("127.0.0.1");
      }
    }
  });

  it("connects each service's processes with the service's role, password file, the stack's Redis and the token secret", () => {
    const ports = stackPorts(1000);
    for (const [name, app] of apps(1000)) {
      expect(app.env.TITAN_STATE_DIR).toBe(stateDir);
      expect(app.env.TITAN_ENV).toBeTruthy();
      expect(app.env.TITAN_LOG_LEVEL).toBe("info");
      expect(app.out_file).toBe(`${stateDir}/logs/${name}.log`);
      expect(app.error_file).toBe(app.out_file);
      if (name === "backup") continue;
      // The AI Quant API is a process of the ai-quant service: its role and password.
      const service = name === "ai-quant-api" ? "ai-quant" : name;
      const role = `titan_${service.replace("-", "_")}`;
      expect(app.env.TITAN_DATABASE_URL).toBe(`postgres://${role}@127.0.0.1:${ports.postgres}/titan?sslmode=verify-full&sslrootcert=${encodeURIComponent(`${stateDir}/ca/ca.crt`)}`);
      expect(app.env.TITAN_DATABASE_PASSWORD_FILE).toBe(`${stateDir}/secrets/db-password-${service}`);
      expect(app.env.TITAN_REDIS_URL).toBe(`rediss://127.0.0.1:${ports.redis}`);
      expect(app.env.TITAN_SERVICE_TOKEN_SECRET_FILE).toBe(`${stateDir}/secrets/service-token-secret`);
      expect(app.env.TITAN_INSTANCE_ID).toMatch(new RegExp(`^${name}-`));
    }
  });

  it("gives the backup scheduler the stack's folder, its repository and WAL archive there, and no database secret", () => {
    const backup = apps(1000).get("backup")!;
    expect(backup.env).toMatchObject({ TITAN_STATE_DIR: stateDir, TITAN_BACKUP_DIR: `${stateDir}/backups`, TITAN_WAL_ARCHIVE_DIR: `${stateDir}/backups/wal` });
    expect(Object.keys(backup.env).filter((k) => /DATABASE|REDIS|TOKEN/.test(k))).toEqual([]);
    expect(backup).toMatchObject({ autorestart: true });
    expect(backup.kill_timeout).toBeGreaterThanOrEqual(30_000);
  });

  it("serves each listening service over TLS with its own certificate, and makes every service trust the stack's CA", () => {
    const ports = stackPorts(1000);
    const all = apps(1000);
    for (const [name, app] of all) {
      expect(app.env.TITAN_TLS_CA_FILE).toBe(`${stateDir}/ca/ca.crt`);
      expect(app.env.NODE_EXTRA_CA_CERTS).toBe(app.env.TITAN_TLS_CA_FILE);
      const listens = app.env.TITAN_HTTP_PORT !== undefined;
      expect(app.env.TITAN_TLS_CERT_FILE, name).toBe(listens ? `${stateDir}/ca/${name}.crt` : undefined);
      expect(app.env.TITAN_TLS_KEY_FILE, name).toBe(listens ? `${stateDir}/ca/${name}.key` : undefined);
    }
    expect(all.get("console")!.env).toMatchObject({
      TITAN_BRAIN_URL: `https://127.0.0.1:${ports.brain}`,
      TITAN_EXECUTION_URL: `https://127.0.0.1:${ports.execution}`,
      TITAN_SCAVENGER_URL: `https://127.0.0.1:${ports.scavenger}`,
    });
    expect(all.get("ai-quant")!.env.TITAN_SCAVENGER_URL).toBe(`https://127.0.0.1:${ports.scavenger}`);
    expect(all.get("ai-quant-api")!.env.TITAN_SCAVENGER_URL).toBe(`https://127.0.0.1:${ports.scavenger}`);
    for (const [name, port] of [["ai-quant-api", ports.aiQuantApi], ["backup", ports.backup]] as const) {
      expect(all.get(name)!.env).toMatchObject({ TITAN_HTTP_HOST: "127.0.0.1", TITAN_HTTP_PORT: String(port) });
    }
  });

  it("tells the console where the AI Quant API, Alertmanager and Prometheus answer (HTTPS, trusted through NODE_EXTRA_CA_CERTS), moved with the offset", () => {
    for (const offset of [0, 1000]) {
      const ports = stackPorts(offset);
      expect(apps(offset).get("console")!.env).toMatchObject({
        TITAN_QUANT_URL: `https://127.0.0.1:${ports.aiQuantApi}`,
        TITAN_ALERTMANAGER_URL: `https://127.0.0.1:${ports.alertmanager}`,
        TITAN_PROMETHEUS_URL: `https://127.0.0.1:${ports.prometheus}`,
      });
    }
  });

  it("gives the bootstrap token file to the console only and the Pushgateway to ai-quant only", () => {
    const all = apps(1000);
    expect(all.get("console")!.env.TITAN_BOOTSTRAP_TOKEN_FILE).toBe(`${stateDir}/secrets/bootstrap-admin-token`);
    expect(all.get("ai-quant")!.env.TITAN_PUSHGATEWAY_URL).toBe(`https://127.0.0.1:${stackPorts(1000).pushgateway}`);
    expect([...all.values()].filter((a) => a.env.TITAN_BOOTSTRAP_TOKEN_FILE).map((a) => a.name)).toEqual(["console"]);
    expect([...all.values()].filter((a) => a.env.TITAN_PUSHGATEWAY_URL).map((a) => a.name)).toEqual(["ai-quant"]);
    expect(all.get("ai-quant")!.env.TITAN_HTTP_PORT).toBeUndefined();
  });

  it("restarts services (with a memory ceiling and a graceful stop) but runs ai-quant as a nightly job", () => {
    const all = apps();
    for (const service of ["brain", "execution", "console", "scavenger", "ai-quant-api"]) {
      const app = all.get(service)!;
      expect(app.autorestart).toBe(true);
      expect(app.max_memory_restart).toBe("300M");
      expect(app.kill_timeout).toBeGreaterThanOrEqual(10_000);
      expect(app.cron_restart).toBeUndefined();
    }
    expect(all.get("ai-quant")).toMatchObject({ autorestart: false, cron_restart: "0 0 * * *" });
  });
});

describe("ecosystem.config.cjs on a single host", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fixes only the seed port and loads .env and .env.<service> when present", () => {
    dir = mkdtempSync(join(tmpdir(), "titan-ecosystem-"));
    const file = join(dir, "ecosystem.config.cjs");
    copyFileSync(ecosystem, file);
    writeFileSync(join(dir, ".env"), "TITAN_ENV=production\n");
    writeFileSync(join(dir, ".env.brain"), "TITAN_DATABASE_URL=postgres://titan_brain@db.internal/titan\n");
    const apps = load(file, {});
    const brain = apps.get("brain")!;
    expect(brain.env).toEqual({ NODE_ENV: process.env.NODE_ENV ?? "production", TITAN_STATE_DIR: join(dir, ".titan"), TITAN_HTTP_PORT: "3100" });
    expect(brain.args).toEqual([...SERVICE_FLAGS, `--env-file=${join(dir, ".env")}`, `--env-file=${join(dir, ".env.brain")}`, join(dir, "dist", "services", "brain", "main.js")]);
    expect(apps.get("console")!.args).toEqual([...SERVICE_FLAGS, `--env-file=${join(dir, ".env")}`, join(dir, "dist", "services", "console", "main.js")]);
    // The AI Quant API reads the ai-quant service's file, then its own; the scheduler only the common one.
    writeFileSync(join(dir, ".env.ai-quant"), "TITAN_DATABASE_URL=postgres://titan_ai_quant@db.internal/titan\n");
    writeFileSync(join(dir, ".env.ai-quant-api"), "TITAN_HTTP_PORT=3003\n");
    const again = load(file, {});
    expect(again.get("ai-quant-api")!.args.slice(SERVICE_FLAGS.length, SERVICE_FLAGS.length + 3)).toEqual([`--env-file=${join(dir, ".env")}`, `--env-file=${join(dir, ".env.ai-quant")}`, `--env-file=${join(dir, ".env.ai-quant-api")}`]);
    expect(again.get("ai-quant-api")!.env.TITAN_HTTP_PORT).toBe("3003");
    expect(again.get("backup")!.args).toEqual([...SERVICE_FLAGS, `--env-file=${join(dir, ".env")}`, join(dir, "dist", "services", "backup", "main.js")]);
  });
});
