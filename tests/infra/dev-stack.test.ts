// The dev stack (any cluster, no AWS), synthesised once under mocks: in-cluster PostgreSQL with WAL
// archiving and backups on the seed's schedule, Redis as the bus needs it, the same workloads, valid
// manifests, no policy violation; and the synth CLI writes the same bytes as an in-process render.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKUP_SCHEDULE, DAY_SECONDS, SECURITY, SERVICE_NAMES, WAL_ARCHIVE_TIMEOUT_SECONDS } from "../../ops/index.js";
import { cnpgSchedule } from "../../infra/k8s/dev-data.js";
import { runPolicyPack } from "../../infra/policy/run.js";
import { roleFor } from "../../infra/secret-catalog.js";
import { isManifest, manifestOf, renderSynth } from "../../infra/synth/render.js";
import { REPO_DIR, synthStack, type SynthResult } from "../../infra/synth/synth-stack.js";
import { validateManifest } from "../../infra/validate/manifests.js";
import { roleFor as provisionedRole } from "../../services/shared/db/provision.js";
import { manifest, type Props } from "./support.js";

let dev: SynthResult;
const outDir = mkdtempSync(join(tmpdir(), "titan-synth-"));
beforeAll(async () => {
  dev = await synthStack("dev");
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("dev: data services in the cluster", () => {
  it("runs no AWS resource at all", () => {
    expect(dev.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("pulumi:providers:aws"))).toEqual([]);
  });

  it("archives PostgreSQL WAL within WAL_ARCHIVE_TIMEOUT_SECONDS and requires the seed's TLS version", () => {
    const cluster = manifest(dev.resources, "Cluster", "titan-pg", "titan-data");
    expect(cluster.spec.postgresql.parameters).toEqual({ archive_timeout: `${WAL_ARCHIVE_TIMEOUT_SECONDS}s`, ssl_min_protocol_version: SECURITY.minimumTlsVersion.value });
    expect(cluster.spec.backup.barmanObjectStore.destinationPath).toBe("s3://titan-pg/");
    expect(cluster.spec.backup.retentionPolicy).toBe(`${BACKUP_SCHEDULE.dailyFull.retentionSeconds / DAY_SECONDS}d`);
  });

  it("takes hourly, daily and weekly base backups as the seed's backup strategy says", () => {
    for (const [part, schedule] of [["hourly", BACKUP_SCHEDULE.hourlySnapshot], ["daily", BACKUP_SCHEDULE.dailyFull], ["weekly", BACKUP_SCHEDULE.weeklyArchive]] as const) {
      expect(manifest(dev.resources, "ScheduledBackup", `titan-pg-${part}`, "titan-data").spec.schedule).toBe(cnpgSchedule(schedule.intervalSeconds));
    }
    expect(() => cnpgSchedule(123)).toThrow(/no schedule/);
  });

  it("gives every service its own login role, named as services/shared/db/provision.ts names it", () => {
    const roles = (manifest(dev.resources, "Cluster", "titan-pg", "titan-data").spec.managed.roles as Props[]).map((r) => r.name);
    for (const service of SERVICE_NAMES) {
      expect(roleFor(service)).toBe(provisionedRole(service));
      expect(roles).toContain(roleFor(service));
    }
  });

  it("runs Redis with append-only persistence, noeviction and TLS only", () => {
    const conf = manifest(dev.resources, "ConfigMap", "titan-redis", "titan-data").data["redis.conf"] as string;
    expect(conf.split("\n")).toEqual(expect.arrayContaining(["port 0", "appendonly yes", "maxmemory-policy noeviction", `tls-protocols "${SECURITY.minimumTlsVersion.value}"`]));
  });

  it("points the services at the in-cluster data services over TLS", () => {
    const env = Object.fromEntries((manifest(dev.resources, "Deployment", "brain", "titan").spec.template.spec.containers[0].env as Props[]).map((e) => [e.name, e.value]));
    expect(env.TITAN_DATABASE_URL).toBe("postgres://titan_brain@titan-pg-rw.titan-data.svc:5432/titan");
    expect(env.TITAN_REDIS_URL).toBe("rediss://titan-redis.titan-data.svc:6379");
    expect(env.TITAN_DATABASE_SSL).toBe("true");
  });
});

describe("dev: the database is provisioned before the services start", () => {
  it("runs the provisioning Job as CloudNativePG's superuser, whose login the stack generates for both namespaces", () => {
    const cluster = manifest(dev.resources, "Cluster", "titan-pg", "titan-data");
    expect(cluster.spec).toMatchObject({ enableSuperuserAccess: true, superuserSecret: { name: "titan-pg-superuser" } });
    const inData = manifest(dev.resources, "Secret", "titan-pg-superuser", "titan-data");
    const inTitan = manifest(dev.resources, "Secret", "titan-db-admin", "titan");
    for (const secret of [inData, inTitan]) expect(secret).toMatchObject({ type: "kubernetes.io/basic-auth", stringData: { username: "[secret]", password: "[secret]" } });
  });

  it("trusts the internal CA for the server's certificate, from a certificate of its own", () => {
    const pod = manifest(dev.resources, "Job", "db-provision", "titan").spec.template.spec;
    const env = Object.fromEntries((pod.containers[0].env as Props[]).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ TITAN_DATABASE_HOST: "titan-pg-rw.titan-data.svc", NODE_EXTRA_CA_CERTS: "/var/run/secrets/titan/tls/ca.crt", TITAN_DATABASE_SSL: "true" });
    expect(pod.volumes.find((v: Props) => v.name === "tls").secret.secretName).toBe("db-provision-tls");
    expect(manifest(dev.resources, "Certificate", "db-provision-tls", "titan").spec.secretName).toBe("db-provision-tls");
  });

  it("comes before every service, and after the data services", () => {
    const job = dev.resources.find((r) => r.type === "kubernetes:batch/v1:Job");
    const cluster = dev.resources.find((r) => r.type.endsWith(":Cluster") && (r.inputs.metadata as Props).name === "titan-pg");
    expect(job?.dependsOn).toContain(cluster?.urn);
    const deployment = dev.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs.metadata as Props).name === "execution");
    expect(deployment?.dependsOn).toContain(job?.urn);
  });
});

describe("dev: validation and policy", () => {
  it("validates every Kubernetes manifest that has a schema", async () => {
    const verdicts = await Promise.all(dev.resources.filter(isManifest).map(async (r) => ({ name: r.name, v: await validateManifest(manifestOf(r)) })));
    expect(verdicts.filter(({ v }) => v.status === "invalid").map(({ name, v }) => `${name}: ${"error" in v ? v.error : ""}`)).toEqual([]);
  });

  it("passes the whole policy pack", async () => {
    expect(await runPolicyPack(dev.resources)).toEqual([]);
  });
});

describe("the synth command", () => {
  it("writes exactly the files an in-process render gives, byte for byte", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", join(REPO_DIR, "infra", "synth.ts"), "--stack", "dev", "--out", outDir], { encoding: "utf8", cwd: REPO_DIR });
    expect(out).toMatch(/dev: \d+ resources .* in \d+\.\d+ s/);
    const expected = renderSynth(dev);
    const dir = join(outDir, "dev");
    const written = (readdirSync(dir, { recursive: true }) as string[]).map((p) => String(p)).filter((p) => p.includes(".")).sort();
    expect(written).toEqual([...expected.keys()].sort());
    for (const [path, content] of expected) expect(readFileSync(join(dir, path), "utf8"), relative(REPO_DIR, path)).toBe(content);
  }, 120_000);

  it("refuses an unknown stack with a clear message", () => {
    expect(() => execFileSync(process.execPath, ["--import", "tsx", join(REPO_DIR, "infra", "synth.ts"), "--stack", "staging"], { encoding: "utf8", stdio: "pipe" })).toThrow(/Allowed choices are dev, prod, all/);
  });
});
