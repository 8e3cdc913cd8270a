// A console of its own for each test file: a provisioned database, a Redis database, a state folder,
// a clock the test moves, and the people an operator would create through the API (the first admin
// from the setup file, the others by invitation), each able to log in with their authenticator codes.
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { inject } from "vitest";
import { ManualClock } from "../../../services/shared/clock.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import { createConsoleService, type ConsoleParts } from "../../../services/console/service.js";
import { totpCode, TOTP_PERIOD_SECONDS } from "../../../services/console/domain/totp.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

export interface ConsoleWorld {
  readonly db: TestDatabase;
  readonly clock: ManualClock;
  readonly running: RunningService<"console">;
  readonly app: FastifyInstance;
  readonly parts: ConsoleParts;
  readonly env: NodeJS.ProcessEnv;
  readonly stateDir: string;
  stop(): Promise<void>;
}

export const startConsole = async (label: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<ConsoleWorld> => {
  const db = await withTestDatabase(label);
  await provisionTestDatabase(db);
  const stateDir = mkdtempSync(join(inject("scratchDir"), `${label}-`));
  // Upstream services are not running: their ports point at nothing (a refused connection).
  const env: NodeJS.ProcessEnv = {
    ...serviceEnv("console", db, { stateDir }),
    TITAN_BRAIN_URL: "http://127.0.0.1:9",
    TITAN_EXECUTION_URL: "http://127.0.0.1:9",
    TITAN_SCAVENGER_URL: "http://127.0.0.1:9",
    TITAN_ALERTMANAGER_URL: "http://127.0.0.1:9",
    TITAN_PROMETHEUS_URL: "http://127.0.0.1:9",
    ...extraEnv,
  };
  const clock = new ManualClock(Date.now());
  const def = createConsoleService({ env });
  const running = await runService(def, { env, clock });
  return { db, clock, running, app: running.app, parts: def.partsOf(running.ctx), env, stateDir, stop: () => running.stop() };
};

export interface Person {
  readonly username: string;
  readonly password: string;
  readonly totpSecret: string | null;
}

export interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly headers: Record<string, string>;
}

const basic = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

/** A code for the step after the last one used: TOTP codes are accepted once, so tests move time along. */
export const nextCode = (world: Pick<ConsoleWorld, "clock">, secret: string): string => {
  world.clock.advance(TOTP_PERIOD_SECONDS * 1000);
  return totpCode(secret, world.clock.nowMs());
};

export const login = async (world: ConsoleWorld, person: Person, code?: string) =>
  world.app.inject({
    method: "POST",
    url: "/api/session",
    headers: { authorization: basic(person.username, person.password), ...(code !== undefined ? { "x-titan-otp": code } : person.totpSecret ? { "x-titan-otp": nextCode(world, person.totpSecret) } : {}) },
  });

export const sessionOf = (res: { headers: Record<string, unknown>; json: () => unknown }): Session => {
  const setCookie = String(res.headers["set-cookie"]);
  const cookie = setCookie.split(";")[0] ?? "";
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrf, headers: { cookie, "x-csrf-token": csrf } };
};

export const loggedIn = async (world: ConsoleWorld, person: Person): Promise<Session> => {
  const res = await login(world, person);
  if (res.statusCode !== 201) throw new Error(`login of ${person.username} failed: ${res.statusCode} ${res.body}`);
  return sessionOf(res);
};

/** Runs an enrollment code through /api/enrollment (begin, then complete with a code from the new secret). */
export const enroll = async (world: ConsoleWorld, code: string, person: { username?: string; password: string; withTotp: boolean }): Promise<Person> => {
  const auth = { authorization: `Titan-Enrollment ${code}` };
  const begin = await world.app.inject({ method: "POST", url: "/api/enrollment/begin", headers: auth });
  if (begin.statusCode !== 200) throw new Error(`enrollment begin: ${begin.statusCode} ${begin.body}`);
  const start = begin.json() as { username: string | null; totpSecret: string };
  const body: Record<string, string> = { password: person.password };
  if (person.username !== undefined && start.username === null) body.username = person.username;
  if (person.withTotp) body.totpCode = nextCode(world, start.totpSecret);
  const done = await world.app.inject({ method: "POST", url: "/api/enrollment/complete", headers: auth, payload: body });
  if (done.statusCode !== 201) throw new Error(`enrollment complete: ${done.statusCode} ${done.body}`);
  return { username: start.username ?? person.username ?? "", password: person.password, totpSecret: person.withTotp ? start.totpSecret : null };
};

export const setupCodeFile = (world: ConsoleWorld): string => join(world.stateDir, "secrets", "console-setup-code");

export const firstAdmin = async (world: ConsoleWorld, username = "alice"): Promise<Person> =>
  enroll(world, readFileSync(setupCodeFile(world), "utf8").trim(), { username, password: "correct horse battery staple", withTotp: true });

/** An admin invites `username` with `role`; the person enrolls (operators and admins with a second factor). */
export const invite = async (world: ConsoleWorld, admin: Session, username: string, role: "viewer" | "operator" | "admin", withTotp = role !== "viewer"): Promise<Person> => {
  const res = await world.app.inject({ method: "POST", url: "/api/users", headers: admin.headers, payload: { username, role } });
  if (res.statusCode !== 201) throw new Error(`invite ${username}: ${res.statusCode} ${res.body}`);
  return enroll(world, (res.json() as { code: string }).code, { password: "a long enough pass phrase", withTotp });
};

export const auditActions = async (world: ConsoleWorld, since = 0): Promise<Array<{ seq: number; action: string; actor_id: string; target: string; reason: string | null; after: Record<string, unknown> | null }>> => {
  const { rows } = await world.db.pool.query("SELECT seq, action, actor_id, target, reason, after FROM audit.events WHERE seq > $1 ORDER BY seq", [since]);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
};

export const auditHead = async (world: ConsoleWorld): Promise<number> => {
  const { rows } = await world.db.pool.query("SELECT coalesce(max(seq), 0) AS seq FROM audit.events");
  return Number(rows[0].seq);
};
