// `titanctl audit verify` against a console's audit log: intact, then one row edited behind the
// append-only triggers' back (as only a superuser can), then the newest rows deleted — each detected,
// through the console's API and straight from PostgreSQL alike.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstAdmin, loggedIn, startConsole, type ConsoleWorld } from "./support.js";

const REPO = join(import.meta.dirname, "..", "..", "..");
let world: ConsoleWorld;
let adminToken: string;

const titanctl = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, "bin", "titanctl.mjs"), ...args], { cwd: REPO, env: { PATH: process.env.PATH, TITAN_STATE_DIR: world.stateDir, ...env } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });

const viaApi = (...extra: string[]) => titanctl(["audit", "verify", ...extra], { TITAN_API_URL: `http://127.0.0.1:${world.running.port}`, TITAN_TOKEN: adminToken });
const viaDatabase = (...extra: string[]) => titanctl(["audit", "verify", "--database-url", world.db.url, ...extra]);

/** What only a superuser can do: write to audit.events with its append-only triggers switched off. */
const tamper = async (sql: string): Promise<void> => {
  const client = await world.db.pool.connect();
  try {
    await client.query("ALTER TABLE audit.events DISABLE TRIGGER events_append_only");
    await client.query(sql);
    await client.query("ALTER TABLE audit.events ENABLE TRIGGER events_append_only");
  } finally {
    client.release();
  }
};

beforeAll(async () => {
  world = await startConsole("console_audit_verify");
  const admin = await loggedIn(world, await firstAdmin(world));
  const issued = await world.app.inject({ method: "POST", url: "/api/auth/tokens", headers: admin.headers, payload: { name: "auditor", role: "admin", scopes: [], ttlSeconds: 3600 } });
  adminToken = (issued.json() as { token: string }).token;
});

afterAll(async () => {
  await world?.stop();
});

describe("titanctl audit verify", () => {
  let head = "";

  it("passes an intact log and prints its head, through the API and from PostgreSQL", async () => {
    const api = await viaApi();
    expect(api.code, api.out).toBe(0);
    expect(api.out).toMatch(/audit log intact: \d+ rows, head seq \d+ [0-9a-f]{64}/);
    const direct = await viaDatabase("--json");
    expect(direct.code, direct.out).toBe(0);
    const verdict = JSON.parse(direct.out) as { ok: boolean; rows: number; head: { seq: number; hash: string } };
    expect(verdict.ok).toBe(true);
    expect(verdict.rows).toBeGreaterThanOrEqual(4);
    head = `${verdict.head.seq}:${verdict.head.hash.slice(0, 16)}`;
    expect((await viaDatabase("--expect-head", head)).code).toBe(0);
  });

  it("detects one edited row and names it; the row put back, the log verifies again", async () => {
    const { rows } = await world.db.pool.query("SELECT reason FROM audit.events WHERE seq = 2");
    await tamper("UPDATE audit.events SET reason = 'nothing happened here' WHERE seq = 2");
    for (const run of [await viaApi(), await viaDatabase()]) {
      expect(run.code, run.out).toBe(1);
      expect(run.out).toMatch(/audit log TAMPERED at seq 2 \(edited\)/);
    }
    await tamper(`UPDATE audit.events SET reason = ${rows[0].reason === null ? "NULL" : `'${String(rows[0].reason).replace(/'/g, "''")}'`} WHERE seq = 2`);
    expect((await viaDatabase()).code).toBe(0);
  });

  it("detects rows deleted from the end against a head kept from before (the chain alone cannot)", async () => {
    await tamper("DELETE FROM audit.events WHERE seq = (SELECT max(seq) FROM audit.events)");
    expect((await viaDatabase()).code).toBe(0);
    const run = await viaDatabase("--expect-head", head);
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(/audit log SHORTER than expected/);
  });

  it("refuses a malformed --expect-head and needs an admin for the API check", async () => {
    expect((await viaDatabase("--expect-head", "latest")).code).toBe(2);
    const anonymous = await titanctl(["audit", "verify"], { TITAN_API_URL: `http://127.0.0.1:${world.running.port}` });
    expect(anonymous.code).toBe(2);
    expect(anonymous.out).toMatch(/HTTP 401/);
  });
});
