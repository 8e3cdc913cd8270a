// `stack up`: brings every component up (or leaves it running), waits until all are healthy and
// prints where to reach them. Independent steps go on when one fails, so the final report names
// every component that is not healthy, with the end of its log.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { writeRuleFiles } from "../../alerts/render-rules.js";
import { checkAlertmanagerConfig, renderAlertmanagerConfig } from "./alertmanager.js";
import { caFiles, ensureCertificateAuthority, ensureStackCertificates, leafFiles } from "./ca.js";
import { daemonUrl, entryUrl, stackComponents, statusTargets, tailOf, type Component, type DaemonName } from "./components.js";
import { requireFreePort, type StackContext } from "./context.js";
import { alertmanagerConfigFile, daemonSpecs, prometheusConfigFile } from "./daemons.js";
import { nginxPid, QUANT_API_PREFIX, startNginx, testNginxConfig, writeNginxConfig } from "./nginx.js";
import { checkWebConfig, renderWebConfig, webConfigFile } from "./monitoring-tls.js";
import { listPm2, PM2_APP_ENTRIES, PM2_APPS, startApps, type Pm2App } from "./pm2.js";
import { applyClientAuth, ensurePostgres, ensureStackWalArchiving, provisionStackDatabase } from "./postgres.js";
import { applyPostgresTls } from "./postgres-tls.js";
import { ensureDaemon, runningPid, runsAsSpecified, stopDaemon, STACK_MEMBER_ENV } from "./processes.js";
import type { Progress } from "./progress.js";
import { checkPrometheusConfig, renderPrometheusConfig, writeIfChanged } from "./prometheus.js";
import { ensureStackRedis } from "./redis.js";
import { ensureSecrets } from "./secrets.js";
import { ensureLayout, writeManifest, type StackLayout } from "./state.js";

export interface UpOptions {
  readonly healthTimeoutMs: number;
}

/** Alertmanager before Prometheus, so the first alerts have somewhere to go. */
const DAEMON_ORDER: readonly DaemonName[] = ["pushgateway", "alertmanager", "prometheus", "node-exporter", "postgres-exporter", "redis-exporter"];

const startDaemon = async (ctx: StackContext, name: DaemonName, port: number, reload: boolean): Promise<string> => {
  const spec = daemonSpecs(ctx.layout, ctx.ports)[name];
  let running = runningPid(spec.pidFile, spec.executable);
  // Started with other arguments (an older checkout, e.g. before Redis spoke TLS): replaced, not kept.
  const outdated = running !== undefined && !runsAsSpecified(running, spec);
  if (outdated) {
    await stopDaemon(spec.pidFile, spec.executable);
    running = undefined;
  }
  if (running !== undefined) {
    if (reload) process.kill(running, "SIGHUP"); // Prometheus and Alertmanager re-read their configuration
    return reload ? `running (pid ${running}), configuration reloaded` : `already running (pid ${running})`;
  }
  await requireFreePort(name, port);
  const { pid } = ensureDaemon(spec);
  return `${outdated ? "restarted with new arguments" : "started"} on https://127.0.0.1:${port} (pid ${pid}, TLS 1.3 only)`;
};

/**
 * Writes and validates a daemon's configuration; says whether it changed (then a running Prometheus or
 * Alertmanager is reloaded). The web configuration (HTTPS only) is read anew on every handshake: a
 * change to it needs no reload.
 */
const configure = (name: DaemonName, ctx: StackContext): boolean => {
  const { layout, ports } = ctx;
  // redis_exporter takes its certificate by flags (daemons.ts); the others by exporter-toolkit's file.
  if (name !== "redis-exporter") {
    const web = webConfigFile(layout.caDir, name);
    writeIfChanged(web, renderWebConfig(leafFiles(layout.caDir, name)));
    checkWebConfig(web);
  }
  if (name === "alertmanager") {
    const file = alertmanagerConfigFile(layout);
    const changed = writeIfChanged(file, renderAlertmanagerConfig());
    checkAlertmanagerConfig(file);
    return changed;
  }
  if (name === "prometheus") {
    // Rendered from alerts/ on every up, so the stack never runs rules older than the checkout.
    const rulesDir = join(layout.prometheusDir, "rules");
    const rules = writeRuleFiles(rulesDir);
    const file = prometheusConfigFile(layout);
    const changed = writeIfChanged(file, renderPrometheusConfig({ ports, ruleDirs: [rulesDir], caFile: caFiles(layout.caDir).caCert }));
    checkPrometheusConfig(file);
    return changed || rules.written.length + rules.removed.length > 0;
  }
  return false;
};

const missingBuilds = (layout: StackLayout, apps: readonly Pm2App[]): Pm2App[] => apps.filter((app) => !existsSync(join(layout.repoDir, "dist", PM2_APP_ENTRIES[app])));

/** A service PM2 has restarted this often without it ever becoming ready is crash-looping: stop waiting for it. */
const CRASH_LOOP_RESTARTS = 5;
const CRASH_CHECK_INTERVAL_MS = 3_000;

/**
 * Polls every component until healthy or the deadline; returns the last verdict of those that never
 * were. `crashLooping` names components not worth waiting for any longer, with the reason.
 */
const waitHealthy = async (components: readonly Component[], progress: Progress, timeoutMs: number, crashLooping: () => Map<string, string>): Promise<Map<string, string>> => {
  const deadline = Date.now() + timeoutMs;
  const pending = new Map(components.filter((c) => c.probe).map((c) => [c.name, c]));
  const lastDetail = new Map<string, string>();
  const gaveUp = new Map<string, string>();
  const startedS = progress.elapsedSeconds();
  let nextCrashCheckMs = Date.now() + CRASH_CHECK_INTERVAL_MS;
  while (pending.size > 0 && Date.now() < deadline) {
    if (Date.now() >= nextCrashCheckMs) {
      nextCrashCheckMs = Date.now() + CRASH_CHECK_INTERVAL_MS;
      for (const [name, reason] of crashLooping()) {
        if (!pending.delete(name)) continue;
        gaveUp.set(name, `${reason}; last probe: ${lastDetail.get(name) ?? "none"}`);
      }
    }
    await Promise.all(
      [...pending.values()].map(async (c) => {
        const verdict = await c.probe!(2_000);
        if (verdict.healthy) {
          pending.delete(c.name);
          progress.line(c.name, `healthy (${(progress.elapsedSeconds() - startedS).toFixed(1)} s into the wait)`);
        } else {
          lastDetail.set(c.name, verdict.detail);
        }
      }),
    );
    if (pending.size > 0) await sleep(250);
  }
  return new Map([...gaveUp, ...[...pending.keys()].map((name) => [name, `not healthy after ${(timeoutMs / 1000).toFixed(0)} s: ${lastDetail.get(name) ?? "not probed"}`] as const)]);
};

/** Writes stack.json (what runs where, the PM2 ids PM2 knows so far) and returns the catalogue. */
const recordManifest = (ctx: StackContext): Component[] => {
  const { layout, ports } = ctx;
  const pm2Ids = Object.fromEntries(listPm2(layout, ctx.portOffset).map((p) => [p.name, p.id]));
  const components = stackComponents(layout, ports, pm2Ids);
  writeManifest(layout, {
    version: 1,
    state: "up",
    root: layout.root,
    repoDir: layout.repoDir,
    portOffset: ctx.portOffset,
    updatedAt: new Date().toISOString(),
    caFile: join(layout.caDir, "ca.crt"),
    pm2Home: layout.pm2Dir,
    components: components.map(({ probe: _probe, ...c }) => c),
    statusTargets: statusTargets(layout, ports),
  });
  return components;
};

export const up = async (ctx: StackContext, progress: Progress, opts: UpOptions): Promise<number> => {
  const { layout, ports } = ctx;
  ensureLayout(layout);
  // Marks every process started from here on as a member of this stack (see processes.ts).
  process.env[STACK_MEMBER_ENV] = layout.root;
  progress.line("state", `${layout.root}${ctx.portOffset !== 0 ? ` (ports offset by ${ctx.portOffset})` : ""}`);

  const failed = new Set<string>();
  const fail = (component: string, message: string): void => {
    failed.add(component);
    progress.fail(component, message);
  };
  /** A step whose failure marks its component failed; the value is undefined then. */
  const step = async <T>(component: string, run: () => Promise<T> | T, describe: (value: T) => string): Promise<T | undefined> => {
    const value = await progress.step(component, run, describe);
    if (value === undefined) failed.add(component);
    return value;
  };

  const secrets = await step("secrets", () => ensureSecrets(layout.secretsDir), (r) => (r.created.length > 0 ? `created ${r.created.length} secret files (0600)` : "reused"));
  const ca = await step("ca", () => ensureCertificateAuthority(layout.caDir), (r) => (r.created.length > 0 ? `created ${r.created.join(" and ")}` : "reused"));
  // One certificate per listener behind NGINX (services, PostgreSQL, Redis): TLS 1.3 everywhere.
  const certs = ca ? await step("certificates", () => ensureStackCertificates(layout.caDir), (r) => (r.issued.length > 0 ? `issued ${r.issued.join(", ")}` : "reused")) : undefined;
  const needCerts = (): void => {
    if (!certs) throw new Error("no certificates: the stack's CA is not available");
  };

  const pg = await step(
    "postgres",
    async () => {
      const { server, started } = await ensurePostgres(layout.pgDir, ports.postgres).catch(async (err: Error) => {
        await requireFreePort("postgres", ports.postgres); // a clearer reason when the port is the problem
        throw err;
      });
      needCerts();
      // TLS before pg_hba.conf: PostgreSQL refuses its hostssl lines while ssl is off.
      const tls = await applyPostgresTls(server, leafFiles(layout.caDir, "postgres"), caFiles(layout.caDir).caCert);
      await applyClientAuth(server);
      return { server, started, tls };
    },
    (r) => `${r.started ? `started on 127.0.0.1:${ports.postgres}` : "already running"} (TLS 1.3${r.tls.length > 0 ? `: set ${r.tls.join(", ")}` : ""}; SCRAM logins for titan_* roles over TLS only)`,
  );
  if (pg) {
    await step(
      "wal-archiving",
      () => ensureStackWalArchiving(pg.server, layout.root),
      (r) => (r.changed.length === 0 ? "on (unchanged)" : `set ${r.changed.join(", ")}${r.restarted ? "; PostgreSQL restarted for archive_mode" : ""}`),
    );
  }
  if (pg && secrets) {
    await step(
      "database",
      async () => {
        await provisionStackDatabase(pg.server, secrets.secrets.databasePasswords, () => undefined);
        return true;
      },
      () => "titan provisioned (service roles and schemas, audit and auth migrated)",
    );
  } else {
    fail("database", "not provisioned: PostgreSQL or the secrets are not available");
  }

  await step(
    "redis",
    async () => {
      needCerts();
      const leaf = leafFiles(layout.caDir, "redis");
      return ensureStackRedis(layout, ports, { certFile: leaf.cert, keyFile: leaf.key, caFile: caFiles(layout.caDir).caCert }, certs?.issued.includes("redis") ?? false);
    },
    (s) => s,
  );

  const catalogue = new Map(stackComponents(layout, ports).map((c) => [c.name, c]));
  for (const name of DAEMON_ORDER) {
    await step(
      name,
      async () => {
        const changed = configure(name, ctx);
        const started = await startDaemon(ctx, name, catalogue.get(name)!.port!, changed);
        return name === "prometheus" || name === "alertmanager" ? `${started}; configuration valid (${name === "prometheus" ? "promtool" : "amtool"})` : started;
      },
      (s) => s,
    );
  }

  if (ca) {
    await step(
      "nginx",
      async () => {
        const opts = {
          ports,
          paths: { dir: layout.nginxDir, logsDir: layout.logsDir, serverCert: ca.files.serverCert, serverKey: ca.files.serverKey, caCert: ca.files.caCert },
          ...(process.getuid?.() === 0 ? { workerUser: "nobody nogroup" } : {}),
        };
        const { changed } = writeNginxConfig(opts);
        testNginxConfig(opts);
        if (nginxPid(layout.nginxDir) === undefined) await requireFreePort("nginx (https)", ports.nginxHttps);
        const { pid, started } = startNginx(opts, changed || ca.created.length > 0);
        return started ? `started on https://localhost:${ports.nginxHttps} (pid ${pid}, TLS 1.3 only)` : `already running (pid ${pid})`;
      },
      (s) => s,
    );
  } else {
    fail("nginx", "not started: no certificate");
  }

  // Written before the apps start too: the backup scheduler finds the stack's servers in it.
  recordManifest(ctx);
  const blockers = (["postgres", "database", "redis", "secrets"] as const).filter((need) => failed.has(need));
  const unbuilt = missingBuilds(layout, PM2_APPS);
  for (const app of unbuilt) fail(app, `not built: dist/${PM2_APP_ENTRIES[app]} is missing (run npm run build)`);
  const apps = PM2_APPS.filter((app) => !unbuilt.includes(app));
  if (blockers.length > 0) {
    for (const app of apps) fail(app, `not started: ${blockers.join(", ")} not available`);
  } else if (apps.length > 0) {
    const started = await progress.step(
      "pm2",
      () => startApps(layout, ctx.portOffset, apps),
      (r) => [r.started.length ? `started ${r.started.join(", ")}` : "", r.restarted.length ? `restarted ${r.restarted.join(", ")}` : "", r.running.length ? `already under PM2: ${r.running.join(", ")}` : ""].filter(Boolean).join("; "),
    );
    if (started === undefined) for (const app of apps) failed.add(app);
  }

  const components = recordManifest(ctx);

  const awaited = components.filter((c) => c.probe && !failed.has(c.name));
  progress.line("health", `waiting up to ${(opts.healthTimeoutMs / 1000).toFixed(0)} s for ${awaited.length} components`);
  const crashLooping = (): Map<string, string> =>
    new Map(listPm2(layout, ctx.portOffset).filter((p) => p.restarts >= CRASH_LOOP_RESTARTS).map((p) => [p.name, `crash-looping under PM2 (${p.restarts} restarts)`]));
  const unhealthy = await waitHealthy(awaited, progress, opts.healthTimeoutMs, crashLooping);
  const quant = listPm2(layout, ctx.portOffset).find((p) => p.name === "ai-quant");
  // The job runs once on start; a run that already failed is reported, one still running is fine.
  if (quant && (quant.status === "errored" || (quant.status === "stopped" && (quant.exitCode ?? 0) !== 0))) {
    unhealthy.set("ai-quant", `the job failed: PM2 status ${quant.status} (exit ${quant.exitCode ?? "?"})`);
  }

  for (const [name, detail] of unhealthy) {
    const component = components.find((c) => c.name === name);
    fail(name, `${detail}${component?.healthUrl ? ` (${component.healthUrl})` : ""}`);
    if (component) for (const l of tailOf(component.logFile)) process.stdout.write(`    | ${l}\n`);
  }

  const seconds = progress.elapsedSeconds().toFixed(1);
  if (failed.size === 0) {
    process.stdout.write(
      [
        "",
        `Titan is up: every component healthy after ${seconds} s. Trust ${join(layout.caDir, "ca.crt")} in your browser or client.`,
        `  console        ${entryUrl(ports)}`,
        `  APIs           ${entryUrl(ports, "/api/brain/")}  /api/execution/  /api/scavenger/  ${QUANT_API_PREFIX}`,
        `  prometheus     ${daemonUrl(ports, "prometheus")}`,
        `  alertmanager   ${daemonUrl(ports, "alertmanager")}`,
        `  pushgateway    ${daemonUrl(ports, "pushgateway")}`,
        `  promtool, amtool and curl check those certificates with SSL_CERT_FILE=${join(layout.caDir, "ca.crt")} (curl: --cacert)`,
        "  status: npm run status (or npm run stack -- status)    stop: npm stop",
        "",
      ].join("\n"),
    );
    return 0;
  }
  const stop = `${layout.root === join(layout.repoDir, ".titan") ? "" : `TITAN_STACK_DIR=${layout.root} `}${ctx.portOffset !== 0 ? `TITAN_STACK_PORT_OFFSET=${ctx.portOffset} ` : ""}npm stop`;
  process.stdout.write(`\nTitan is NOT fully up after ${seconds} s: ${[...failed].join(", ")} failed (see above). Logs: ${layout.logsDir}. Stop everything with: ${stop}\n`);
  return 1;
};
