// Errors as RFC 9457 problem details (application/problem+json, the contracts' ProblemDetails).
// Validation errors list every problem; server errors are logged in full and answered with a generic
// message, never the error itself. The request id travels in the X-Request-Id header.
import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PROBLEM_CONTENT_TYPE, type ProblemDetails, type ValidationIssue as ProblemFieldError } from "../contracts/index.js";

export { PROBLEM_CONTENT_TYPE, type ProblemDetails, type ProblemFieldError };

/** Problem types of our own; anything else is `about:blank` with the HTTP status as its title. */
export const PROBLEM_TYPES = {
  validation: "urn:titan:problem:validation",
  unauthenticated: "urn:titan:problem:unauthenticated",
  forbidden: "urn:titan:problem:forbidden",
  notFound: "urn:titan:problem:not-found",
  rateLimited: "urn:titan:problem:rate-limited",
  unavailable: "urn:titan:problem:unavailable",
  internal: "urn:titan:problem:internal",
} as const;

/** Throw from a handler or hook to answer with this problem. Its detail is shown to the caller. */
export class HttpProblem extends Error {
  readonly statusCode: number;
  readonly type: string;
  readonly title: string;
  readonly errors: readonly ProblemFieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, detail: string, opts: { type?: string; title?: string; errors?: readonly ProblemFieldError[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.statusCode = status;
    this.type = opts.type ?? "about:blank";
    this.title = opts.title ?? STATUS_CODES[status] ?? "Error";
    this.errors = opts.errors;
    this.headers = opts.headers ?? {};
  }
}

const pathOf = (request: FastifyRequest): string => request.url.split("?")[0] ?? request.url;

export const problemBody = (request: FastifyRequest, status: number, detail: string, extra: { type?: string; title?: string; errors?: readonly ProblemFieldError[] } = {}): ProblemDetails => ({
  type: extra.type ?? "about:blank",
  title: extra.title ?? STATUS_CODES[status] ?? "Error",
  status,
  detail,
  instance: pathOf(request),
  ...(extra.errors ? { errors: [...extra.errors] } : {}),
});

export const sendProblem = (reply: FastifyReply, problem: ProblemDetails, headers: Record<string, string> = {}): FastifyReply =>
  reply.code(problem.status).headers({ ...headers, "x-request-id": String(reply.request.id) }).type(PROBLEM_CONTENT_TYPE).send(problem);

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
}

/**
 * One entry per failing location, named by a JSON pointer into the request (`/body/name`). The validator reports a union's failed branches before the union
 * itself, so the last issue at a path is the one that speaks for it; a property refused by
 * additionalProperties: false is named as such.
 */
export const validationErrors = (part: string, issues: readonly ValidationIssue[]): ProblemFieldError[] => {
  const byPath = new Map<string, string>();
  for (const issue of issues) {
    const path = `/${part}${issue.instancePath ?? ""}`;
    const message = issue.keyword === "boolean" ? "is not an allowed property" : (issue.message ?? "is invalid");
    byPath.delete(path); // keep insertion order of the last report
    byPath.set(path, message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
};

/** Installs the error handler that answers every failure as problem+json. */
export const installProblemHandler = (app: FastifyInstance): void => {
  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    if ("validation" in error && Array.isArray(error.validation)) {
      const errors = validationErrors(error.validationContext ?? "request", error.validation as ValidationIssue[]);
      const detail = `${errors.length} problem${errors.length === 1 ? "" : "s"} in the ${error.validationContext ?? "request"}: ${errors.map((e) => `${e.path} ${e.message}`).join("; ")}`;
      return sendProblem(reply, problemBody(request, 400, detail, { type: PROBLEM_TYPES.validation, title: "Invalid request", errors }));
    }
    if (error instanceof HttpProblem) {
      if (error.statusCode >= 500) request.log.warn({ err: error }, "request failed");
      return sendProblem(reply, problemBody(request, error.statusCode, error.message, { type: error.type, title: error.title, ...(error.errors ? { errors: error.errors } : {}) }), { ...error.headers });
    }
    const status = typeof error.statusCode === "number" ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong media type) describe the request, not us.
      request.log.info({ code: error.code, status }, error.message);
      return sendProblem(reply, problemBody(request, status, error.message));
    }
    request.log.error({ err: error, route: request.routeOptions.url, method: request.method }, "request failed");
    return sendProblem(reply, problemBody(request, 500, "The server could not complete the request; the error has been logged.", { type: PROBLEM_TYPES.internal }));
  });
};
