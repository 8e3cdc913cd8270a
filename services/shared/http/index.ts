// The Fastify bootstrap: server, auth policy, problem+json errors, health and metrics, lifecycle.
export { CONNECTION_CHECK_INTERVAL_MS, DOCS_PREFIX, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, buildHttpServer, type HttpServer, type HttpServerOptions } from "./server.js";
export { authPolicyPlugin, listRouteAuth, type AuthPolicyOptions, type RouteAuthEntry } from "./auth-policy.js";
export {
  RouteAuthDeclarationError,
  authorise,
  describeRouteAuth,
  isMutatingMethod,
  resolveRouteAuth,
  type AuthDecision,
  type ForbiddenReason,
  type ResolvedRouteAuth,
  type RouteAuth,
} from "./route-auth.js";
export {
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  installProblemHandler,
  problemBody,
  sendProblem,
  validationErrors,
  type ProblemDetails,
  type ProblemFieldError,
} from "./problem.js";
export { CHECK_NAME_PATTERN, runCheck, type ReadinessChecks } from "./observability.js";
export { closeGracefully, closeOnSignals, listen, type SignalOptions } from "./lifecycle.js";
export { TLS_MIN_VERSION, TlsFilesError, describeCertificate, loadTlsFiles, watchTlsFiles, type LoadedTls, type TlsFiles, type TlsWatchOptions } from "./tls.js";
