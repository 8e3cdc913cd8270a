// Authentication and authorisation: principals and roles, service tokens, operator API tokens (stored
// hashed in schema auth), the authenticator, token management routes and the first-start bootstrap.
export { ROLES, SCOPE_PATTERN, isRole, roleAtLeast, scopesAdmit, type Principal, type PrincipalKind, type Role } from "./principal.js";
export {
  MAX_SERVICE_TOKEN_TTL_MS,
  MIN_SERVICE_TOKEN_SECRET_LENGTH,
  SERVICE_TOKEN_PREFIX,
  assertServiceTokenSecret,
  issueServiceToken,
  serviceTokenSource,
  verifyServiceToken,
  type ServiceTokenVerdict,
} from "./service-token.js";
export { API_TOKEN_PREFIX, apiTokenMatches, generateApiToken, hashApiToken, parseApiToken, type GeneratedApiToken, type ParsedApiToken } from "./api-token-format.js";
export { findApiToken, listApiTokens, tokenUnusableReason, type ApiTokenRecord } from "./api-token-store.js";
export {
  ApiTokenInputError,
  apiTokenRequestProblems,
  issueApiToken,
  publicTokenView,
  revokeApiToken,
  type ApiTokenRequest,
  type IssuedApiToken,
  type PublicTokenView,
} from "./api-tokens.js";
export {
  LAST_USED_RESOLUTION_MS,
  apiTokenStrategy,
  bearerToken,
  composeAuthenticator,
  createAuthenticator,
  serviceTokenStrategy,
  type ApiTokenStrategyOptions,
  type AuthFailureReason,
  type AuthRequest,
  type AuthResult,
  type AuthStrategy,
  type Authenticator,
  type AuthenticatorOptions,
  type StrategyOutcome,
} from "./authenticator.js";
export { PrincipalViewSchema, tokenRoutes, type TokenRoutesOptions } from "./token-routes.js";
export { BOOTSTRAP_ACTOR, BOOTSTRAP_TOKEN_TTL_SECONDS, ensureBootstrapAdminToken, revokeBootstrapTokens, type BootstrapOptions, type BootstrapOutcome } from "./bootstrap.js";
