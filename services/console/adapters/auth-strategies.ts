// The console's credentials as authentication strategies beside the shared bearer ones: the session
// cookie (every route), and two credentials accepted at exactly one route each: a username, password
// and TOTP code (Basic + X-Titan-Otp) at the login route, and an enrollment code at the setup routes.
// Confining a credential to its route is what makes those routes safe to reach without a session.
import type { AuthRequest, AuthStrategy, Authenticator } from "../../shared/auth/index.js";
import { parseCookies, parseSessionCookieValue, SESSION_COOKIE } from "../domain/session-credentials.js";
import type { ConsoleAuth, CredentialCheck, SessionContext } from "./console-auth.js";
import type { Enrollments } from "./enrollments.js";
import type { EnrollmentRecord } from "./user-store.js";

export const LOGIN_PATH = "/api/session";
export const OTP_HEADER = "x-titan-otp";
export const ENROLLMENT_PATHS = ["/api/enrollment/begin", "/api/enrollment/complete"] as const;
export const ENROLLMENT_SCHEME = "Titan-Enrollment";

/** What each strategy found for a request, for the route handlers (keyed by the request object). */
const sessions = new WeakMap<object, SessionContext>();
const logins = new WeakMap<object, Extract<CredentialCheck, { ok: true }>>();
const enrollments = new WeakMap<object, { record: EnrollmentRecord; code: string }>();

export const sessionOf = (request: object): SessionContext | undefined => sessions.get(request);
export const loginOf = (request: object): Extract<CredentialCheck, { ok: true }> | undefined => logins.get(request);
export const enrollmentOf = (request: object): { record: EnrollmentRecord; code: string } | undefined => enrollments.get(request);

type RoutedRequest = AuthRequest & { readonly method?: string; readonly url?: string; readonly ip?: string };
const pathOf = (r: RoutedRequest): string => (r.url ?? "").split("?")[0] ?? "";
const isPost = (r: RoutedRequest, paths: readonly string[]): boolean => r.method === "POST" && paths.includes(pathOf(r));
const header = (r: AuthRequest, name: string): string | undefined => {
  const v = r.headers[name];
  return typeof v === "string" ? v : undefined;
};

export const sessionCookieStrategy = (auth: ConsoleAuth): AuthStrategy => ({
  name: "console-session",
  async authenticate(request) {
    // An explicit credential in the Authorization header wins over the ambient cookie.
    if (request.headers.authorization !== undefined) return { kind: "pass" };
    const value = parseCookies(header(request, "cookie"))[SESSION_COOKIE];
    if (value === undefined) return { kind: "pass" };
    const credential = parseSessionCookieValue(value);
    if (credential === null) return { kind: "rejected", reason: "malformed_token" };
    const checked = await auth.checkSession(credential);
    if (!checked.ok) return { kind: "rejected", reason: checked.reason === "expired" ? "expired_token" : checked.reason === "revoked" ? "revoked_token" : "invalid_token" };
    sessions.set(request, checked.context);
    return { kind: "principal", principal: checked.context.principal };
  },
});

const basicCredentials = (authorization: string): { username: string; password: string } | null => {
  const match = /^Basic ([A-Za-z0-9+/=]{1,2000})$/.exec(authorization);
  if (!match) return null;
  const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : null;
};

export const loginStrategy = (auth: ConsoleAuth): AuthStrategy => ({
  name: "console-login",
  async authenticate(request) {
    const r = request as RoutedRequest;
    const authorization = r.headers.authorization;
    if (authorization === undefined || !/^Basic /.test(authorization) || !isPost(r, [LOGIN_PATH])) return { kind: "pass" };
    const credentials = basicCredentials(authorization);
    if (credentials === null) return { kind: "rejected", reason: "malformed_token" };
    const checked = await auth.checkCredentials(credentials.username, credentials.password, header(r, OTP_HEADER), r.ip ?? "unknown");
    if (!checked.ok) return { kind: "rejected", reason: "invalid_token" };
    logins.set(request, checked);
    return { kind: "principal", principal: { kind: "operator", id: `user:${checked.user.id}`, name: checked.user.username, role: checked.user.role, scopes: [] } };
  },
});

export const enrollmentStrategy = (enrollmentsOf: Enrollments): AuthStrategy => ({
  name: "console-enrollment",
  async authenticate(request) {
    const r = request as RoutedRequest;
    const authorization = r.headers.authorization;
    if (authorization === undefined || !authorization.startsWith(`${ENROLLMENT_SCHEME} `) || !isPost(r, ENROLLMENT_PATHS)) return { kind: "pass" };
    const code = authorization.slice(ENROLLMENT_SCHEME.length + 1).trim();
    const record = await enrollmentsOf.usable(code);
    if (record === null) return { kind: "rejected", reason: "invalid_token" };
    enrollments.set(request, { record, code });
    // Viewer: the enrollment routes need no more, and the credential opens no other route.
    return { kind: "principal", principal: { kind: "operator", id: `enrollment:${record.id}`, name: `enrollment ${record.username ?? "first admin"}`, role: "viewer", scopes: [] } };
  },
});

/**
 * Adds the console's strategies to the authenticator the shared runtime built (bearer tokens first).
 * The runtime offers no hook for extra strategies yet, so they are appended to its list in place;
 * a ServiceDefinition.authStrategies option in services/shared/runtime.ts would replace this.
 */
export const installConsoleStrategies = (authenticator: Authenticator, strategies: readonly AuthStrategy[]): void => {
  const list = authenticator.strategies as AuthStrategy[];
  if (!Array.isArray(list) || Object.isFrozen(list)) throw new Error("the authenticator's strategy list cannot be extended");
  for (const s of strategies) if (!list.some((existing) => existing.name === s.name)) list.push(s);
};
