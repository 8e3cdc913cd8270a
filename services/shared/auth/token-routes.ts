// API token management, registered by the console: issue (shown once), list (never secrets or
// hashes), revoke, and whoami. Each change writes its audit event in the same transaction.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { AuditActor } from "../audit/index.js";
import type { Clock } from "../clock.js";
import {
  ApiTokenCreateRequestSchema,
  ApiTokenCreateResponseSchema,
  ApiTokenListItemSchema,
  ApiTokenListSchema,
  ProblemDetailsSchema,
  RoleSchema,
  ScopeSchema,
} from "../contracts/index.js";
import type { Database } from "../db/database.js";
import { HttpProblem, PROBLEM_TYPES } from "../http/problem.js";
import { API_TOKEN_ID_PATTERN } from "./api-token-format.js";
import { listApiTokens } from "./api-token-store.js";
import { ApiTokenInputError, issueApiToken, publicTokenView, revokeApiToken } from "./api-tokens.js";

export interface TokenRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  /** The service named in audit events (default console, which owns token management). */
  readonly service?: string;
}

/** The body of whoami (the contracts have no such body yet). */
export const PrincipalViewSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal("operator"), Type.Literal("service")]),
    id: Type.String(),
    name: Type.String(),
    role: RoleSchema,
    scopes: Type.Array(ScopeSchema),
  },
  { additionalProperties: false },
);

const actorOf = (request: FastifyRequest): AuditActor => {
  const p = request.principal;
  if (p === null) throw new Error("token routes run only for authenticated principals");
  return { kind: p.kind, id: p.id, name: p.name };
};

const problems = { 400: ProblemDetailsSchema, 401: ProblemDetailsSchema, 403: ProblemDetailsSchema };

export const tokenRoutes = async (parent: FastifyInstance, opts: TokenRoutesOptions): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const service = opts.service ?? "console";
  const admin = { auth: { role: "admin" as const } };

  app.post(
    "/api/auth/tokens",
    { config: admin, schema: { tags: ["auth"], summary: "Issue an API token (returned once)", body: ApiTokenCreateRequestSchema, response: { 201: ApiTokenCreateResponseSchema, ...problems } } },
    async (request, reply) => {
      try {
        const issued = await opts.db.transaction((tx) => issueApiToken(tx, request.body, { clock: opts.clock, actor: actorOf(request), service }));
        return reply.code(201).header("cache-control", "no-store").send({ ...issued.record, token: issued.token });
      } catch (err) {
        if (err instanceof ApiTokenInputError) throw new HttpProblem(400, err.message, { type: PROBLEM_TYPES.validation });
        throw err;
      }
    },
  );

  app.get(
    "/api/auth/tokens",
    { config: admin, schema: { tags: ["auth"], summary: "List API tokens (never their secrets)", response: { 200: ApiTokenListSchema, ...problems } } },
    async () => ({ tokens: (await listApiTokens(opts.db)).map(publicTokenView) }),
  );

  app.delete(
    "/api/auth/tokens/:id",
    {
      config: admin,
      schema: {
        tags: ["auth"],
        summary: "Revoke an API token at once",
        params: Type.Object({ id: Type.String({ pattern: API_TOKEN_ID_PATTERN.source }) }),
        querystring: Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false }),
        response: { 200: ApiTokenListItemSchema, 404: ProblemDetailsSchema, ...problems },
      },
    },
    async (request) => {
      const revoked = await opts.db.transaction((tx) =>
        revokeApiToken(tx, request.params.id, { clock: opts.clock, actor: actorOf(request), service, reason: request.query.reason ?? null }),
      );
      if (revoked === null) throw new HttpProblem(404, `no API token ${request.params.id}`, { type: PROBLEM_TYPES.notFound });
      return revoked;
    },
  );

  app.get(
    "/api/auth/whoami",
    { config: { auth: { role: "viewer", service: true } }, schema: { tags: ["auth"], summary: "The principal behind the credential", response: { 200: PrincipalViewSchema, 401: ProblemDetailsSchema } } },
    async (request) => {
      const p = request.principal;
      if (p === null) throw new Error("whoami runs only for authenticated principals");
      return { kind: p.kind, id: p.id, name: p.name, role: p.role, scopes: [...p.scopes] };
    },
  );
};
