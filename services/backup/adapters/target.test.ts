import { describe, expect, it } from "vitest";
import { resolveTarget } from "./target.js";

const manifest = {
  portOffset: 1000,
  caFile: "/s/.titan/ca/ca.crt",
  pm2Home: "/s/.titan/pm2",
  components: [
    { name: "postgres", kind: "datastore", port: 56432, pidFile: "/s/.titan/pg/postmaster.pid", url: "postgres://127.0.0.1:56432/titan", healthUrl: null },
    { name: "redis", kind: "datastore", port: 57379, pidFile: "/s/.titan/redis/redis.pid", url: "redis://127.0.0.1:57379", healthUrl: null },
    { name: "pushgateway", kind: "monitoring", port: 10091, pidFile: "/s/.titan/run/pushgateway.pid", url: "http://127.0.0.1:10091/", healthUrl: null },
    { name: "brain", kind: "service", port: 4100, pidFile: "/x", url: "https://localhost/api/brain/", healthUrl: "http://127.0.0.1:4100/health/ready" },
  ],
  statusTargets: [
    { name: "brain", kind: "http", url: "http://127.0.0.1:4100/health/ready", critical: true },
    { name: "prometheus", kind: "http", url: "http://127.0.0.1:10090/-/ready", critical: false },
  ],
};

describe("the backup target", () => {
  it("comes from the stack's manifest: its cluster, Redis, Pushgateway, PM2 and services", () => {
    expect(resolveTarget("/s/.titan", manifest)).toEqual({
      backupDir: "/s/.titan/backups",
      archiveDir: "/s/.titan/backups/wal",
      complianceDir: "/s/.titan/compliance",
      pgDataDir: "/s/.titan/pg",
      pgPort: 56432,
      pgAdminUrl: "postgres://postgres@127.0.0.1:56432/titan",
      redisUrl: "redis://127.0.0.1:57379",
      redisDir: "/s/.titan/redis",
      caFile: "/s/.titan/ca/ca.crt",
      pushgatewayUrl: "http://127.0.0.1:10091",
      pm2Home: "/s/.titan/pm2",
      portOffset: 1000,
      health: [{ name: "brain", url: "http://127.0.0.1:4100/health/ready", critical: true }],
    });
  });

  it("takes a named cluster instead (a drill's), without the stack's PM2, and refuses to guess", () => {
    const t = resolveTarget("/s/.titan", manifest, { pgDataDir: "/d/pg", pgPort: 5999, backupDir: "/d/b", database: "drill" });
    expect(t).toMatchObject({ pgDataDir: "/d/pg", pgPort: 5999, backupDir: "/d/b", archiveDir: "/d/b/wal", pgAdminUrl: "postgres://postgres@127.0.0.1:5999/drill" });
    expect(t.pm2Home).toBeUndefined();
    expect(() => resolveTarget("/nowhere", undefined)).toThrow(/no local stack manifest at \/nowhere\/stack.json/);
    expect(() => resolveTarget("/s", undefined, { pgDataDir: "/d", pgPort: 70_000 })).toThrow(/--pg-port must be a port number/);
  });
});
