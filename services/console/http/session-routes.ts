// Logging in and out, and enrollment. Login is authenticated by the password and TOTP code themselves
// (the login strategy, at this route only) and answers with the session cookie; enrollment by its
// one-time code.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ProblemDetailsSchema } from "../../shared/contracts/index.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { ENROLLMENT_PATHS, LOGIN_PATH, enrollmentOf, loginOf } from "../adapters/auth-strategies.js";
import type { ConsoleAuth, SessionContext } from "../adapters/console-auth.js";
import { EnrollmentError, type Enrollments } from "../adapters/enrollments.js";
import type { LiveHub } from "../adapters/live-hub.js";
import { csrfTokenFor, sessionClearCookie, sessionCookieValue, sessionSetCookie } from "../domain/session-credentials.js";
import { requireSession } from "./guards.js";
import { EnrolledSchema, EnrollmentCompleteSchema, EnrollmentStartSchema, SessionViewSchema, type SessionView } from "./schemas.js";

export interface SessionRoutesOptions {
  readonly auth: ConsoleAuth;
  readonly enrollments: Enrollments;
  readonly hub: LiveHub;
}

const problems = { 400: ProblemDetailsSchema, 401: ProblemDetailsSchema, 403: ProblemDetailsSchema, 404: ProblemDetailsSchema, 409: ProblemDetailsSchema };
const tags = ["session"];
const viewer = { auth: { role: "viewer" as const } };

export const sessionView = (ctx: Pick<SessionContext, "user" | "session" | "credential">): SessionView => ({
  username: ctx.user.username,
  role: ctx.user.role,
  mfa: ctx.session.mfa,
  csrfToken: csrfTokenFor(ctx.credential.secret),
  expiresAtMs: ctx.session.expiresAtMs,
});

const enrollmentProblem = (err: unknown): unknown =>
  err instanceof EnrollmentError
    ? new HttpProblem(err.status, err.message, { type: err.status === 400 ? PROBLEM_TYPES.validation : err.status === 404 ? PROBLEM_TYPES.notFound : "about:blank", ...(err.status === 400 ? { errors: err.problems.map((message) => ({ path: "/body", message })) } : {}) })
    : err;

const enrollmentFrom = (request: FastifyRequest) => {
  const e = enrollmentOf(request);
  if (e === undefined) throw new HttpProblem(401, "this route needs an enrollment code", { type: PROBLEM_TYPES.unauthenticated });
  return e;
};

export const sessionRoutes = async (parent: FastifyInstance, opts: SessionRoutesOptions): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    LOGIN_PATH,
    {
      config: viewer,
      schema: {
        tags,
        summary: "Log in: Authorization: Basic <username:password> and X-Titan-Otp: <code>; answers with the session cookie and its CSRF token",
        response: { 201: SessionViewSchema, ...problems },
      },
    },
    async (request, reply) => {
      const login = loginOf(request);
      if (login === undefined) throw new HttpProblem(401, "log in with a username, password and code", { type: PROBLEM_TYPES.unauthenticated });
      const opened = await opts.auth.openSession(login.user, login.mfa, request.ip);
      const maxAgeSeconds = (opened.session.expiresAtMs - opened.session.createdAtMs) / 1000;
      return reply
        .code(201)
        .header("set-cookie", sessionSetCookie(sessionCookieValue(opened.credential), { maxAgeSeconds }))
        .header("cache-control", "no-store")
        .send(sessionView({ user: login.user, session: opened.session, credential: opened.credential }));
    },
  );

  app.get(LOGIN_PATH, { config: viewer, schema: { tags, summary: "The current session, with its CSRF token", response: { 200: SessionViewSchema, ...problems } } }, async (request, reply) => {
    const ctx = requireSession(request, "this");
    return reply.header("cache-control", "no-store").send(sessionView(ctx));
  });

  app.delete(LOGIN_PATH, { config: viewer, schema: { tags, summary: "Log out: the session, its token and its live feed end at once" } }, async (request, reply) => {
    const ctx = requireSession(request, "logging out");
    await opts.auth.logout(ctx);
    opts.hub.endSession(ctx.session.id);
    return reply.code(204).header("set-cookie", sessionClearCookie()).send();
  });

  app.post(
    ENROLLMENT_PATHS[0],
    { config: viewer, schema: { tags, summary: "Start enrollment (Authorization: Titan-Enrollment <code>): a new TOTP secret for the authenticator app", response: { 200: EnrollmentStartSchema, ...problems } } },
    async (request, reply) => reply.header("cache-control", "no-store").send(await opts.enrollments.begin(enrollmentFrom(request).record)),
  );

  app.post(
    ENROLLMENT_PATHS[1],
    { config: viewer, schema: { tags, summary: "Finish enrollment: password and a code from the app; then log in", body: EnrollmentCompleteSchema, response: { 201: EnrolledSchema, ...problems } } },
    async (request, reply) => {
      const { code } = enrollmentFrom(request);
      try {
        const done = await opts.enrollments.complete(code, request.body, request.ip);
        return reply.code(201).send({ username: done.username, role: done.role });
      } catch (err) {
        throw enrollmentProblem(err);
      }
    },
  );
};

export { enrollmentProblem };
