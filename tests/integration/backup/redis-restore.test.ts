// No message lost when Redis loses its data. On a TLS-only, append-only Redis of its own (as the stack
// runs it), with two services' outboxes and relays and a consumer with an inbox: messages flow, a
// snapshot is taken, more flow, some are published but not consumed, then Redis's data is destroyed.
// Restored from the snapshot (Redis down; and again with --force while it runs) or left empty and
// republished by time, every message is applied exactly once and none is lost.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import getPort from "get-port";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startRedis, stopRedis, waitFor, type RedisServer } from "../../../scripts/lib/local-servers.js";
import { readStartupConfig, withRedis, type RedisEndpoint } from "../../../services/backup/adapters/redis-server.js";
import { resolveTarget, type BackupTarget } from "../../../services/backup/adapters/target.js";
import { restoreRedis, type RedisRestoreReport } from "../../../services/backup/redis-restore.js";
import { runTiers } from "../../../services/backup/runner.js";
import { systemClock } from "../../../services/shared/clock.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { OutboxProducer, OutboxRelay, StreamConsumer } from "../../../services/shared/messaging/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { effectSummary, prepareSchema, recordEffect, schemaUrl, testEnvelope, testValidator, waitForEffects } from "../../support/messaging/fixtures.js";
import { runCommand } from "../../support/child-process.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

/** Short, so the first messages fall before the window and the counts below are exact. */
const MARGIN_SECONDS = 2;
const HOUR_MS = 3_600_000;
const actor = { kind: "operator", id: "drill@test", name: "drill" } as const;

const openssl = (args: string[]): void => {
  const res = spawnSync("openssl", args, { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`openssl ${args[0]}: ${res.stderr}`);
};

/** A CA and a certificate for 127.0.0.1, as the stack gives its Redis. */
const makeCertificates = (dir: string): { certFile: string; keyFile: string; caFile: string } => {
  const f = (name: string) => join(dir, name);
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2", "-subj", "/CN=test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f("redis.key"), "-out", f("redis.csr"), "-subj", "/CN=localhost"]);
  writeFileSync(f("redis.ext"), "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(["x509", "-req", "-in", f("redis.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", f("redis.ext"), "-out", f("redis.crt")]);
  return { certFile: f("redis.crt"), keyFile: f("redis.key"), caFile: f("ca.crt") };
};

const metricValue = async (metrics: ServiceMetrics, name: string): Promise<number> => {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
};

describe("restoring Redis and republishing the outboxes", () => {
  let db: TestDatabase;
  let root: string;
  let server: RedisServer;
  let tls: { certFile: string; keyFile: string; caFile: string };
  let endpoint: RedisEndpoint;
  let redis: Redis;
  let target: BackupTarget;
  const dbs: Database[] = [];
  const relays: OutboxRelay[] = [];
  const producers: OutboxProducer[] = [];
  let consumer: StreamConsumer | undefined;
  const consumerMetrics = new ServiceMetrics("brain", { defaultMetrics: false });
  const streams = ["titan:signals", "titan:execution-reports"];
  let nextSeq = 0;
  const figures: string[] = [];

  /** `count` messages, alternating between the brain's and execution's outbox, each with its state change. */
  const produce = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 1) {
      const seq = nextSeq;
      await producers[seq % 2]!.transaction(async (tx, publish) => {
        const envelope = testEnvelope(seq);
        await tx.query("test_order", "INSERT INTO orders (seq, message_id) VALUES ($1, $2)", [seq, envelope.id]);
        await publish(envelope);
      });
      nextSeq = seq + 1;
    }
  };

  const unpublished = async (): Promise<number> =>
    (await db.pool.query<{ n: number }>("SELECT (SELECT count(*) FROM brain.outbox WHERE published_at IS NULL) + (SELECT count(*) FROM execution.outbox WHERE published_at IS NULL) AS n")).rows[0]!.n;

  const startConsumer = async (name: string): Promise<void> => {
    consumer = new StreamConsumer({
      db: dbs[0]!, redis, service: "brain", consumer: name, streams, handler: recordEffect(name), validate: testValidator,
      deadLetterStream: "titan:dead-letter", metrics: consumerMetrics, blockMs: 100, batchSize: 20, claimIntervalMs: 500, backoff: { baseMs: 20, maxMs: 200 },
    });
    await consumer.start();
  };

  const duplicatesSkipped = () => metricValue(consumerMetrics, "titan_brain_messages_duplicates_skipped_total");
  const republishedRows = (r: RedisRestoreReport | ReadonlyArray<{ rows: number }>): number => ("republished" in r ? r.republished : r).reduce((n, s) => n + s.rows, 0);

  beforeAll(async () => {
    db = await withTestDatabase("redis_restore");
    await provisionTestDatabase(db);
    for (const schema of ["brain", "execution"]) await prepareSchema(db.pool, db.url, schema);
    root = mkdtempSync(join(inject("scratchDir"), "redis-restore-"));
    chmodSync(root, 0o755);
    tls = makeCertificates(root);
    server = await startRedis({ dir: join(root, "redis"), port: await getPort(), appendOnly: true, tls });
    endpoint = { url: server.url, caFile: tls.caFile };
    // As a service connects: fail fast while Redis is down, reconnect forever.
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 50, 300), tls: { ca: readFileSync(tls.caFile) } });
    redis.on("error", () => undefined);
    await new Promise((resolve) => redis.once("ready", resolve));
    for (const service of ["brain", "execution"] as const) {
      const serviceDb = createDatabase({ url: schemaUrl(db.url, service), applicationName: `redis-restore-${service}` }, undefined, () => undefined);
      const relay = new OutboxRelay({ db: serviceDb, redis, service, metrics: new ServiceMetrics(service, { defaultMetrics: false }), pollIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } });
      dbs.push(serviceDb);
      relays.push(relay);
      producers.push(new OutboxProducer({ db: serviceDb, resolveStream: () => streams[service === "brain" ? 0 : 1]!, afterCommit: () => relay.wake() }));
      await relay.start();
    }
    const admin = new URL(inject("postgresAdminUrl"));
    target = { ...resolveTarget(root, undefined, { pgDataDir: join(root, "unused-pg"), pgPort: Number(admin.port), database: db.name, redisUrl: server.url, redisDir: server.dir }), caFile: tls.caFile };
  });

  afterAll(async () => {
    if (server) await stopRedis(server.dir);
  });

  afterAll(async () => {
    await consumer?.stop();
    for (const relay of relays) await relay.stop();
    for (const d of dbs) await d.close();
    redis?.disconnect();
    if (figures.length > 0) console.log(`redis restore figures:\n  ${figures.join("\n  ")}`);
  });

  it("restores a Redis that is down with its data destroyed from the snapshot, and every message is applied exactly once", async () => {
    const configBefore = await readStartupConfig(endpoint);
    await startConsumer("brain-1");
    await produce(100);
    await waitForEffects(db.pool, 100);
    await sleep((MARGIN_SECONDS + 1) * 1000); // these 100 lie before the republish window

    const [snapshot] = await runTiers({ target, clock: systemClock, progress: () => undefined }, ["redis"]);
    expect(snapshot?.line.outcome, snapshot?.line.detail).toBe("succeeded");
    await produce(100);
    await waitForEffects(db.pool, 200);
    await consumer!.stop(); // the next 60 reach Redis but no consumer: only Redis has them in flight
    await produce(60);
    await waitFor(async () => (await unpublished()) === 0, 10_000, "the relays to publish the 60");

    // The data is destroyed: the server killed, its append-only files gone.
    const pid = Number(readFileSync(join(server.dir, "redis.pid"), "utf8"));
    process.kill(pid, "SIGKILL");
    await waitFor(async () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z"), 10_000, "redis to die");
    rmSync(join(server.dir, "appendonlydir"), { recursive: true, force: true });
    rmSync(join(server.dir, "dump.rdb"), { force: true });
    const duplicatesBefore = await duplicatesSkipped();

    const report = await restoreRedis({ target, snapshot: { kind: "latest" }, clock: systemClock, force: false, marginSeconds: MARGIN_SECONDS, maxWindowMs: HOUR_MS, audit: { actor, reason: "drill" }, drainTimeoutMs: 30_000, progress: () => undefined });
    expect(report.steps.map((s) => s.name)).toEqual(["verify", "swap", "start", "append-only", "republish", "drain"]);
    expect(report.snapshot.id).toBe(snapshot!.record!.id);
    // The 100 consumed after the snapshot and the 60 never consumed, not the 100 from before it.
    expect(republishedRows(report)).toBe(160);
    expect(report.republished.map((r) => [r.schema, r.rows, r.audited])).toEqual([["brain", 80, true], ["execution", 80, true]]);
    expect(report.streams).toEqual({ streams: 2, groups: 2, pendingEntries: 0 });
    expect(report.drain?.remaining).toBe(0);

    // Redis runs as it did (TLS only, same port, same files), append-only again.
    expect(await readStartupConfig(endpoint)).toEqual(configBefore);
    expect(existsSync(join(server.dir, "appendonlydir", "appendonly.aof.manifest"))).toBe(true);
    expect(await withRedis(endpoint, (r) => r.xlen(streams[0]!))).toBe(50 + 80); // the snapshot's 50, then the 80 copies

    await startConsumer("brain-2"); // a restarted service: a new consumer name
    await waitForEffects(db.pool, 260);
    await waitFor(async () => (await duplicatesSkipped()) - duplicatesBefore >= 100, 10_000, "the copies already applied to be dropped");
    expect(await effectSummary(db.pool)).toEqual({ messages: 260, maxCount: 1, minCount: 1 });
    expect((await duplicatesSkipped()) - duplicatesBefore).toBe(100);
    const audited = await db.pool.query<{ action: string; target: string }>("SELECT action, target FROM audit.events WHERE action = 'bus.republish' ORDER BY seq");
    expect(audited.rows).toEqual([{ action: "bus.republish", target: "outbox:brain" }, { action: "bus.republish", target: "outbox:execution" }]);
    figures.push(`Redis down, data destroyed: restored in ${report.totalSeconds.toFixed(2)} s (${report.steps.map((s) => `${s.name} ${s.seconds.toFixed(2)} s`).join(", ")}); ${republishedRows(report)} republished, 100 duplicates dropped, 60 in-flight messages recovered, 0 lost`);

    // The append-only files written after the restore carry the data through a plain restart.
    await stopRedis(server.dir);
    server = await startRedis({ dir: server.dir, port: server.port, appendOnly: true, tls });
    expect(await withRedis(endpoint, (r) => r.xlen(streams[0]!))).toBe(130);
  }, 120_000);

  it("republishes by time after Redis came back empty: the groups are created again and nothing is lost", async () => {
    await sleep(1_500); // the messages above lie before this window
    const sinceMs = Date.now() - 500;
    await produce(20);
    await waitForEffects(db.pool, 280);
    await consumer!.stop();
    await produce(40);
    await waitFor(async () => (await unpublished()) === 0, 10_000, "the relays to publish the 40");
    await redis.flushall(); // Redis lost everything but kept running
    const duplicatesBefore = await duplicatesSkipped();

    // The operator's command, as run by hand; the relays of this process publish the copies it waits for.
    const startedMs = performance.now();
    const cli = await runCommand(
      process.execPath,
      ["bin/titanctl.mjs", "bus", "republish", "--since", new Date(sinceMs).toISOString(), "--database-url", target.pgAdminUrl, "--reason", "drill: Redis emptied", "--wait-seconds", "30", "--json"],
      { PATH: process.env.PATH, HOME: process.env.HOME, TITAN_STATE_DIR: root },
      60_000,
    );
    expect(cli.code, cli.output).toBe(0);
    const result = JSON.parse(cli.output.slice(cli.output.indexOf("\n{") + 1)) as { schemas: Array<{ schema: string; rows: number; audited: boolean }>; drain: { remaining: number } };
    expect(result.schemas.map((r) => [r.schema, r.rows, r.audited])).toEqual([["brain", 30, true], ["execution", 30, true]]);
    expect(result.drain.remaining).toBe(0);
    const republished = result.schemas;
    await startConsumer("brain-3");
    await waitForEffects(db.pool, 320);
    await waitFor(async () => (await duplicatesSkipped()) - duplicatesBefore >= 20, 10_000, "the 20 already applied to be dropped");
    expect(await effectSummary(db.pool)).toEqual({ messages: 320, maxCount: 1, minCount: 1 });
    expect((await duplicatesSkipped()) - duplicatesBefore).toBe(20);
    for (const stream of streams) expect(((await redis.call("XINFO", "GROUPS", stream)) as unknown[]).length).toBe(1);
    const reasons = await db.pool.query<{ actor_kind: string; reason: string }>("SELECT actor_kind, reason FROM audit.events WHERE action = 'bus.republish' AND reason LIKE 'drill: Redis emptied'");
    expect(reasons.rows).toEqual([{ actor_kind: "operator", reason: "drill: Redis emptied" }, { actor_kind: "operator", reason: "drill: Redis emptied" }]);
    figures.push(`Redis emptied: titanctl bus republish handed back ${republishedRows(republished)} messages, 20 duplicates dropped, 40 in-flight messages recovered, ${((performance.now() - startedMs) / 1000).toFixed(2)} s from the command to every message applied, 0 lost`);
  }, 120_000);

  it("with --force, restores a running Redis under a running consumer, which carries on by itself", async () => {
    const duplicatesBefore = await duplicatesSkipped();
    const report = await restoreRedis({ target, snapshot: { kind: "latest" }, clock: systemClock, force: true, marginSeconds: MARGIN_SECONDS, maxWindowMs: HOUR_MS, drainTimeoutMs: 30_000, progress: () => undefined });
    expect(report.steps.map((s) => s.name)).toEqual(["verify", "stop", "swap", "start", "append-only", "republish", "drain"]);
    expect(report.replacedDir).not.toBeNull();
    expect(existsSync(join(report.replacedDir!, "appendonlydir"))).toBe(true); // the replaced data is kept
    // Everything since the snapshot: the 160 and the 60, all applied already.
    expect(republishedRows(report)).toBe(220);
    await waitFor(async () => (await duplicatesSkipped()) - duplicatesBefore >= 220, 30_000, "every copy to be dropped");
    await produce(10);
    await waitForEffects(db.pool, 330);
    expect(await effectSummary(db.pool)).toEqual({ messages: 330, maxCount: 1, minCount: 1 });
    expect((await duplicatesSkipped()) - duplicatesBefore).toBe(220);
    figures.push(`Redis running, restored with --force in ${report.totalSeconds.toFixed(2)} s (${report.steps.map((s) => `${s.name} ${s.seconds.toFixed(2)} s`).join(", ")}); ${republishedRows(report)} republished, 220 duplicates dropped, 0 applied twice`);
  }, 120_000);

  it("refuses a running Redis without --force and a snapshot older than the inbox retention, before touching anything", async () => {
    await expect(restoreRedis({ target, snapshot: { kind: "latest" }, clock: systemClock, force: false, progress: () => undefined })).rejects.toThrow(/is running .* Pass --force/);
    await expect(restoreRedis({ target, snapshot: { kind: "latest" }, clock: systemClock, force: true, maxWindowMs: 1_000, progress: () => undefined })).rejects.toThrow(/past the inbox retention/);
    expect(await redis.ping()).toBe("PONG");
  });
});
