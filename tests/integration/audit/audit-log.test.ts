import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../services/shared/clock.js";
import type { Database } from "../../../services/shared/db/database.js";
import { AuditInputError, appendAudit, auditEventView, listAuditEvents, recordAudit, verifyAuditChain, type AuditEventInput } from "../../../services/shared/audit/index.js";
import { AuditEventSchema, checkSchema } from "../../../services/shared/contracts/index.js";
import { provisionedTestDatabase, type ProvisionedTestDatabase } from "../auth/provisioned-database.js";

const clock = new ManualClock();
const event = (n: number): AuditEventInput => ({
  actor: { kind: "operator", id: "tok1", name: "alice" },
  service: "brain",
  action: "trading.halt",
  target: `strategy:s${n}`,
  reason: `drill ${n}`,
  before: { state: "ACTIVE", n, nested: { z: 1, a: [1.5, "x", null] } },
  after: { state: "HALTED", n },
});

let pg: ProvisionedTestDatabase;
let superuser: Database;
let brain: Database;

/** Tampering as a superuser who bypasses the append-only triggers, as an attacker with that power would. */
const tamper = async (...statements: string[]): Promise<void> => {
  await superuser.transaction(async (tx) => {
    await tx.query("tamper_mode", "SET LOCAL session_replication_role = replica");
    for (const sql of statements) await tx.query("tamper", sql);
  });
};

/** A fresh chain of `n` events, written by the brain's role. */
const freshChain = async (n: number): Promise<void> => {
  await tamper("DELETE FROM audit.events");
  for (let i = 1; i <= n; i += 1) {
    clock.advance(1_000);
    await recordAudit(brain, event(i), clock);
  }
};

beforeAll(async () => {
  pg = await provisionedTestDatabase("audit");
  superuser = pg.connect();
  brain = pg.connect("brain");
});

describe("audit log", () => {
  beforeEach(async () => freshChain(5));

  it("appends rows with seq 1..n, linked by hash, that verify", async () => {
    expect(await verifyAuditChain(brain)).toEqual({ ok: true, rows: 5 });
    const rows = await listAuditEvents(brain);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]?.prevHash.equals(Buffer.alloc(32))).toBe(true);
    expect(rows[1]?.prevHash.equals(rows[0]?.hash as Buffer)).toBe(true);
    expect(rows[2]).toMatchObject({ actor: { kind: "operator", id: "tok1", name: "alice" }, service: "brain", action: "trading.halt", before: { n: 3 }, after: { state: "HALTED" } });
  });

  it("reads back as the contracts' AuditEvent", async () => {
    const [first] = await listAuditEvents(brain, { limit: 1 });
    const view = auditEventView(first as NonNullable<typeof first>);
    expect(checkSchema(AuditEventSchema, view)).toMatchObject({ ok: true });
    expect(view).toMatchObject({ version: 1, service: "brain", actor: { kind: "operator", id: "tok1" }, action: "trading.halt", target: { kind: "strategy", id: "s1" }, reason: "drill 1" });
  });

  it("verifies an empty log", async () => {
    await tamper("DELETE FROM audit.events");
    expect(await verifyAuditChain(brain)).toEqual({ ok: true, rows: 0 });
  });

  it("verifies across batches", async () => {
    expect(await verifyAuditChain(brain, { batchSize: 2 })).toEqual({ ok: true, rows: 5 });
  });

  it("detects an edited row", async () => {
    await tamper("UPDATE audit.events SET reason = 'nothing happened' WHERE seq = 3");
    expect(await verifyAuditChain(brain)).toMatchObject({ ok: false, seq: 3, problem: "edited" });
  });

  it("detects an edited jsonb value", async () => {
    await tamper(`UPDATE audit.events SET after = '{"state": "ACTIVE", "n": 2}' WHERE seq = 2`);
    expect(await verifyAuditChain(brain)).toMatchObject({ ok: false, seq: 2, problem: "edited" });
  });

  it("detects a deleted row", async () => {
    await tamper("DELETE FROM audit.events WHERE seq = 2");
    expect(await verifyAuditChain(brain)).toMatchObject({ ok: false, seq: 2, problem: "deleted" });
  });

  it("detects a deleted row when the later rows were renumbered to hide the gap", async () => {
    await tamper("DELETE FROM audit.events WHERE seq = 2", "UPDATE audit.events SET seq = seq + 1000 WHERE seq > 2", "UPDATE audit.events SET seq = seq - 1001 WHERE seq > 1000");
    expect(await verifyAuditChain(brain, { batchSize: 2 })).toMatchObject({ ok: false, seq: 2, problem: "deleted" });
  });

  it("detects reordered rows", async () => {
    await tamper("UPDATE audit.events SET seq = 100 WHERE seq = 2", "UPDATE audit.events SET seq = 2 WHERE seq = 4", "UPDATE audit.events SET seq = 4 WHERE seq = 100");
    expect(await verifyAuditChain(brain)).toMatchObject({ ok: false, seq: 2, problem: "reordered" });
  });

  it("refuses UPDATE, DELETE and TRUNCATE to a service role", async () => {
    await expect(brain.query("t", "UPDATE audit.events SET reason = 'x' WHERE seq = 1")).rejects.toMatchObject({ code: "42501" });
    await expect(brain.query("t", "DELETE FROM audit.events WHERE seq = 1")).rejects.toMatchObject({ code: "42501" });
    await expect(brain.query("t", "TRUNCATE audit.events")).rejects.toMatchObject({ code: "42501" });
    expect(await verifyAuditChain(brain)).toEqual({ ok: true, rows: 5 });
  });

  it("refuses UPDATE, DELETE and TRUNCATE even to the table's owner while the triggers are on", async () => {
    await expect(superuser.query("t", "UPDATE audit.events SET reason = 'x' WHERE seq = 1")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(superuser.query("t", "DELETE FROM audit.events")).rejects.toThrow(/append-only: DELETE refused/);
    await expect(superuser.query("t", "TRUNCATE audit.events")).rejects.toThrow(/append-only: TRUNCATE refused/);
  });

  it("writes nothing, and leaves no gap, when the recorded change rolls back", async () => {
    await expect(
      brain.transaction(async (tx) => {
        await appendAudit(tx, event(6), clock);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    await recordAudit(brain, event(7), clock);
    const rows = await listAuditEvents(brain);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows[5]?.target).toBe("strategy:s7");
    expect(await verifyAuditChain(brain)).toEqual({ ok: true, rows: 6 });
  });

  it("keeps one chain when writers from several connections append at once", async () => {
    const others = [pg.connect("execution"), pg.connect("console"), pg.connect("scavenger")];
    await Promise.all(Array.from({ length: 30 }, (_, i) => recordAudit(others[i % others.length] as Database, event(100 + i), clock)));
    const verdict = await verifyAuditChain(brain);
    expect(verdict).toEqual({ ok: true, rows: 35 });
  });

  it("refuses bad events with a clear error and writes nothing", async () => {
    await expect(recordAudit(brain, { ...event(1), action: "Halt Everything" }, clock)).rejects.toThrow(AuditInputError);
    await expect(recordAudit(brain, { ...event(1), actor: { kind: "robot" as "system", id: "x", name: "x" } }, clock)).rejects.toThrow(/actor kind/);
    await expect(recordAudit(brain, { ...event(1), after: { when: new Date() } }, clock)).rejects.toThrow(/after: .*plain objects/);
    await expect(recordAudit(brain, { ...event(1), target: "" }, clock)).rejects.toThrow(/target/);
    await expect(recordAudit(brain, { ...event(1), target: "no kind here" }, clock)).rejects.toThrow(/<kind>:<id>/);
    await expect(recordAudit(brain, { ...event(1), service: "nobody" }, clock)).rejects.toThrow(/service/);
    expect(await verifyAuditChain(brain)).toEqual({ ok: true, rows: 5 });
  });
});
