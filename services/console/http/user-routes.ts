// User management for admins: invite (a one-time enrollment code, shown once), reset credentials,
// change role, disable and enable; the quarterly access review (audited); and the API token routes, where issuing
// a token needs an admin at the console with a second factor. Every change is audited in its
// transaction, and a change of role or access closes the user's sessions (their tokens carry the role).
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { appendAudit, recordAudit } from "../../shared/audit/index.js";
import { listApiTokens, tokenRoutes } from "../../shared/auth/index.js";
import type { Clock } from "../../shared/clock.js";
import { ProblemDetailsSchema, roleAtLeast, type Role } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { SERVICE, type ConsoleAuth } from "../adapters/console-auth.js";
import type { Enrollments } from "../adapters/enrollments.js";
import { activeSessionCounts } from "../adapters/session-store.js";
import { findUserByName, listUsers, setUserDisabled, setUserRole, type UserRecord } from "../adapters/user-store.js";
import { mfaRequired } from "../domain/accounts.js";
import { accessReview } from "../domain/access-review.js";
import { isLocked } from "../domain/lockout.js";
import { requireMfaSession } from "./guards.js";
import { enrollmentProblem } from "./session-routes.js";
import { AccessReviewSchema, EnrollmentIssuedSchema, ReasonOnlySchema, UserInviteSchema, UserListSchema, UserParamsSchema, UserRoleChangeSchema } from "./schemas.js";

export interface UserRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly auth: ConsoleAuth;
  readonly enrollments: Enrollments;
}

const admin = { auth: { role: "admin" as const } };
const tags = ["users"];
const problems = { 400: ProblemDetailsSchema, 401: ProblemDetailsSchema, 403: ProblemDetailsSchema, 404: ProblemDetailsSchema, 409: ProblemDetailsSchema };

const actorOf = (request: FastifyRequest) => {
  const p = request.principal;
  if (p === null) throw new Error("user routes run only for authenticated principals");
  return { kind: p.kind, id: p.id, name: p.name };
};

const userView = (u: UserRecord, sessions: number, nowMs: number) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  mfa: u.totpSecretEnc !== null,
  disabled: u.disabledAtMs !== null,
  locked: isLocked(u, nowMs),
  createdBy: u.createdBy,
  createdAtMs: u.createdAtMs,
  credentialsSetAtMs: u.credentialsSetAtMs,
  lastLoginAtMs: u.lastLoginAtMs,
  activeSessions: sessions,
});

/** Refuses a change that would leave no enabled admin: nobody could manage users or tokens then. */
const keepsAnAdmin = (users: readonly UserRecord[], changed: UserRecord, after: { role: Role; disabled: boolean }): boolean =>
  users.some((u) => (u.id === changed.id ? after.role === "admin" && !after.disabled : u.role === "admin" && u.disabledAtMs === null));

export const userRoutes = async (parent: FastifyInstance, opts: UserRoutesOptions): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, clock } = opts;
  const nowMs = (): number => Math.floor(clock.nowMs());

  const findOr404 = async (username: string): Promise<UserRecord> => {
    const u = await findUserByName(db, username);
    if (u === null) throw new HttpProblem(404, `no user ${username}`, { type: PROBLEM_TYPES.notFound });
    return u;
  };

  app.get("/api/users", { config: admin, schema: { tags, summary: "Every user, with role, second factor, lock and last login", response: { 200: UserListSchema, ...problems } } }, async () => {
    const [users, sessions] = await Promise.all([listUsers(db), activeSessionCounts(db)]);
    return { users: users.map((u) => userView(u, sessions.get(u.id) ?? 0, nowMs())) };
  });

  app.post(
    "/api/users",
    { config: admin, schema: { tags, summary: "Invite a user: a one-time enrollment code, shown once", body: UserInviteSchema, response: { 201: EnrollmentIssuedSchema, ...problems } } },
    async (request, reply) => {
      requireMfaSession(request, "inviting a user");
      try {
        const issued = await opts.enrollments.issue(actorOf(request), { username: request.body.username, role: request.body.role, reset: false, reason: request.body.reason ?? null });
        return reply.code(201).header("cache-control", "no-store").send({ username: request.body.username, code: issued.code, expiresAtMs: issued.expiresAtMs, setupPath: "/setup" });
      } catch (err) {
        throw enrollmentProblem(err);
      }
    },
  );

  app.post(
    "/api/users/:username/reset",
    { config: admin, schema: { tags, summary: "Reset a user's password and second factor: closes their sessions, returns a new enrollment code once", params: UserParamsSchema, body: ReasonOnlySchema, response: { 201: EnrollmentIssuedSchema, ...problems } } },
    async (request, reply) => {
      requireMfaSession(request, "resetting credentials");
      try {
        const issued = await opts.enrollments.issue(actorOf(request), { username: request.params.username, role: "viewer", reset: true, reason: request.body.reason });
        return reply.code(201).header("cache-control", "no-store").send({ username: request.params.username, code: issued.code, expiresAtMs: issued.expiresAtMs, setupPath: "/setup" });
      } catch (err) {
        throw enrollmentProblem(err);
      }
    },
  );

  app.post(
    "/api/users/:username/role",
    { config: admin, schema: { tags, summary: "Change a user's role (their sessions close)", params: UserParamsSchema, body: UserRoleChangeSchema, response: { 200: UserListSchema.properties.users.items, ...problems } } },
    async (request) => {
      requireMfaSession(request, "changing a role");
      const target = await findOr404(request.params.username);
      const role = request.body.role;
      if (mfaRequired(role) && target.totpSecretEnc === null) throw new HttpProblem(409, `the ${role} role needs a second factor: reset ${target.username}'s credentials first`);
      if (!keepsAnAdmin(await listUsers(db), target, { role, disabled: target.disabledAtMs !== null })) throw new HttpProblem(409, "that would leave no enabled admin");
      await db.transaction(async (tx) => {
        await setUserRole(tx, target.id, role);
        await opts.auth.closeSessions(tx, target, "role changed");
        await appendAudit(tx, { actor: actorOf(request), service: SERVICE, action: "user.role-change", target: `user:${target.id}`, reason: request.body.reason, before: { role: target.role }, after: { role } }, clock);
      });
      return userView({ ...target, role }, 0, nowMs());
    },
  );

  for (const [verb, disable] of [["disable", true], ["enable", false]] as const) {
    app.post(
      `/api/users/:username/${verb}`,
      { config: admin, schema: { tags, summary: disable ? "Disable a user: their sessions and tokens end at once" : "Enable a disabled user", params: UserParamsSchema, body: ReasonOnlySchema, response: { 200: UserListSchema.properties.users.items, ...problems } } },
      async (request) => {
        const ctx = requireMfaSession(request, `${verb === "disable" ? "disabling" : "enabling"} a user`);
        const target = await findOr404(request.params.username);
        if (disable && target.id === ctx.user.id) throw new HttpProblem(409, "an admin cannot disable their own account");
        if (!keepsAnAdmin(await listUsers(db), target, { role: target.role, disabled: disable })) throw new HttpProblem(409, "that would leave no enabled admin");
        const atMs = nowMs();
        await db.transaction(async (tx) => {
          await setUserDisabled(tx, target.id, disable ? atMs : null);
          if (disable) await opts.auth.closeSessions(tx, target, "user disabled", atMs);
          await appendAudit(
            tx,
            { actor: actorOf(request), service: SERVICE, action: `user.${verb}`, target: `user:${target.id}`, reason: request.body.reason, before: { disabled: target.disabledAtMs !== null }, after: { disabled: disable } },
            clock,
          );
        });
        return userView({ ...target, disabledAtMs: disable ? atMs : null }, 0, atMs);
      },
    );
  }

  app.get(
    "/api/access-review",
    { config: admin, schema: { tags, summary: "The quarterly access review: users, roles, last logins, second factors, live tokens with age and last use, and the findings to act on (audited)", response: { 200: AccessReviewSchema, ...problems } } },
    async (request) => {
      const now = nowMs();
      const [users, tokens, sessions] = await Promise.all([listUsers(db), listApiTokens(db), activeSessionCounts(db)]);
      // Token hashes never leave the store: only what the review shows goes in.
      const review = accessReview(
        users.map((u) => userView(u, sessions.get(u.id) ?? 0, now)),
        tokens.map((t) => ({ id: t.id, name: t.name, role: t.role, scopes: [...t.scopes], createdBy: t.createdBy, createdAtMs: t.createdAtMs, expiresAtMs: t.expiresAtMs, revokedAtMs: t.revokedAtMs, lastUsedAtMs: t.lastUsedAtMs, isBootstrap: t.isBootstrap })),
        now,
      );
      // The review is a control of the seed ("quarterly access permission reviews"): who ran it, when, and what it found is kept.
      await recordAudit(
        db,
        { actor: actorOf(request), service: SERVICE, action: "access.review", target: "console:access", after: { users: review.users.length, tokens: review.tokens.length, findings: review.findings.map((f) => `${f.subject}:${f.name}:${f.finding}`) } },
        clock,
      );
      return {
        ...review,
        tokens: review.tokens.map(({ revokedAtMs: _revoked, isBootstrap, ...t }) => ({ ...t, bootstrap: isBootstrap })),
      };
    },
  );

  // API tokens: the shared routes, with issuance held to an admin at the console with a second factor.
  await app.register(async (scope) => {
    scope.addHook("preHandler", async (request) => {
      if (request.method !== "POST" || request.routeOptions.url !== "/api/auth/tokens") return;
      const ctx = requireMfaSession(request, "issuing an API token");
      if (!roleAtLeast(ctx.user.role, "admin")) throw new HttpProblem(403, "issuing an API token needs the admin role", { type: PROBLEM_TYPES.forbidden });
    });
    await scope.register(tokenRoutes, { db, clock, service: SERVICE });
  });
};
