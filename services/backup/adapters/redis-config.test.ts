import { describe, expect, it } from "vitest";
import {
  aofRewriteState,
  configReplyToRecord,
  keysInKeyspace,
  keysReadByCheck,
  parseInfo,
  parseStartupConfig,
  quoteConfigValue,
  renderConfigFile,
  retarget,
  startupConfigOf,
  withoutSecrets,
} from "./redis-config.js";

// As CONFIG GET * answers for the local stack's TLS-only Redis (abridged).
const stackReply = [
  "port", "0", "tls-port", "55379", "bind", "127.0.0.1", "dir", "/srv/titan/redis", "dbfilename", "dump.rdb",
  "appenddirname", "appendonlydir", "appendonly", "yes", "appendfsync", "everysec", "save", "", "logfile", "/srv/titan/redis/redis.log",
  "unixsocket", "", "requirepass", "s3cret", "tls-cert-file", "/srv/titan/ca/redis.crt", "proc-title-template", "{title} {listen-addr} {server-mode} /srv/titan/",
  "hz", "10",
];

describe("a Redis server's startup parameters", () => {
  it("keeps what decides where it listens and persists, with `save` empty (no RDB saves) kept and other empty values dropped", () => {
    const config = startupConfigOf(configReplyToRecord(stackReply));
    expect(config.appendOnly).toBe(true);
    expect(config.parameters).toMatchObject({ port: "0", "tls-port": "55379", save: "", dir: "/srv/titan/redis", "proc-title-template": "{title} {listen-addr} {server-mode} /srv/titan/" });
    expect(config.parameters).not.toHaveProperty("unixsocket");
    expect(config.parameters).not.toHaveProperty("hz");
    expect(config.parameters).not.toHaveProperty("appendonly"); // the restart sets it
  });

  it("leaves secrets out of what a snapshot records", () => {
    const config = startupConfigOf(configReplyToRecord(stackReply));
    expect(config.parameters.requirepass).toBe("s3cret");
    expect(withoutSecrets(config).parameters).not.toHaveProperty("requirepass");
    expect(JSON.stringify(withoutSecrets(config))).not.toContain("s3cret");
  });

  it("moves to the port of the URL: tls-port for rediss://, port for redis://", () => {
    const config = startupConfigOf(configReplyToRecord(stackReply));
    expect(retarget(config, { url: "rediss://127.0.0.1:56379", dir: "/elsewhere" }).parameters).toMatchObject({ port: "0", "tls-port": "56379", dir: "/elsewhere" });
    expect(retarget(config, { url: "redis://127.0.0.1:6380" }).parameters).toMatchObject({ port: "6380", dir: "/srv/titan/redis" });
  });

  it("renders a configuration file that starts daemonized with append-only off, values quoted", () => {
    const text = renderConfigFile(startupConfigOf(configReplyToRecord(stackReply)));
    expect(text).toContain('proc-title-template "{title} {listen-addr} {server-mode} /srv/titan/"\n');
    expect(text).toContain('save ""\n');
    expect(text.trimEnd().split("\n").slice(-2)).toEqual(["daemonize yes", "appendonly no"]);
    expect(quoteConfigValue('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(() => quoteConfigValue("a\nappendonly yes")).toThrow(/control character/);
  });

  it("refuses a CONFIG GET reply without dir, and a recorded file with unknown parameters", () => {
    expect(() => startupConfigOf({ port: "6379" })).toThrow(/did not report its dir/);
    expect(() => configReplyToRecord(["port"])).toThrow(/odd number/);
    expect(parseStartupConfig('{"parameters":{"dir":"/d","port":"1"},"appendOnly":true}', "f")).toEqual({ parameters: { dir: "/d", port: "1" }, appendOnly: true });
    expect(() => parseStartupConfig('{"parameters":{"dir":"/d","rename-command":"FLUSHALL x"},"appendOnly":true}', "f")).toThrow(/"rename-command" is not a startup parameter/);
    expect(() => parseStartupConfig('{"parameters":{"port":"1"},"appendOnly":false}', "f")).toThrow(/no dir/);
    expect(() => parseStartupConfig("[]", "f")).toThrow(/expected/);
    expect(() => parseStartupConfig("{", "f")).toThrow(/not JSON/);
  });
});

describe("INFO as a restore reads it", () => {
  it("counts keys over every logical database", () => {
    expect(keysInKeyspace(parseInfo("# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\ndb4:keys=12,expires=1,avg_ttl=5\r\n"))).toBe(15);
    expect(keysInKeyspace(parseInfo("# Keyspace\r\n"))).toBe(0);
  });

  it("reads the keys redis-check-rdb found in an RDB", () => {
    expect(keysReadByCheck("[offset 184] \\o/ RDB looks OK! \\o/\n[info] 12 keys read\n[info] 0 expires\n")).toBe(12);
    expect(keysReadByCheck("[offset 0] Checking RDB file dump.rdb\n")).toBeNull();
  });

  it("follows the append-only rewrite until it has completed and succeeded", () => {
    const info = (fields: Record<string, string>) => new Map(Object.entries({ aof_enabled: "1", aof_rewrite_in_progress: "0", aof_rewrite_scheduled: "0", aof_last_bgrewrite_status: "ok", aof_last_write_status: "ok", aof_rewrites: "1", ...fields }));
    expect(aofRewriteState(info({}))).toEqual({ kind: "done" });
    expect(aofRewriteState(info({ aof_rewrite_in_progress: "1" }))).toEqual({ kind: "running" });
    expect(aofRewriteState(info({ aof_rewrite_scheduled: "1" }))).toEqual({ kind: "running" });
    expect(aofRewriteState(info({ aof_rewrites: "0" }))).toEqual({ kind: "running" });
    expect(aofRewriteState(info({ aof_last_bgrewrite_status: "err" }))).toEqual({ kind: "failed", reason: "aof_last_bgrewrite_status=err" });
    expect(aofRewriteState(info({ aof_enabled: "0" })).kind).toBe("failed");
  });
});
