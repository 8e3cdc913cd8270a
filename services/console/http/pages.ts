// The console's pages and static assets. Pages are reachable without a principal so that a browser
// without a session is sent to the login page instead of a JSON 401: each page authenticates itself
// with the same authenticator the API uses, and refuses a role below the page's.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Authenticator } from "../../shared/auth/index.js";
import { roleAtLeast } from "../../shared/contracts/index.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { sessionOf } from "../adapters/auth-strategies.js";
import { csrfTokenFor } from "../domain/session-credentials.js";
import { PAGES, renderForbidden, renderLogin, renderPage, renderSetup } from "./layout.js";

const PUBLIC = { auth: "public" as const };
const HTML = "text/html; charset=utf-8";

/**
 * The browser assets: beside this module when the build copied them (dist/services/console/web), else
 * the source folder (running from a checkout with tsx, or a build that did not copy them).
 */
export const webDir = (): string => {
  const candidates = [fileURLToPath(new URL("../web/", import.meta.url)), fileURLToPath(new URL("../../../../services/console/web/", import.meta.url))];
  const found = candidates.find((dir) => existsSync(join(dir, "console.js")));
  if (found === undefined) throw new Error(`the console's browser assets are missing (looked in ${candidates.join(", ")})`);
  return found;
};

const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

const loadAssets = (): Map<string, Asset> => {
  const dir = webDir();
  const assets = new Map<string, Asset>();
  for (const name of ["console.js", "views.js", "admin-views.js", "dom.js", "charts.js", "login.js", "console.css"]) {
    assets.set(name, { body: readFileSync(join(dir, name)), type: TYPES[extname(name)] ?? "application/octet-stream" });
  }
  const require = createRequire(import.meta.url);
  // The package exports only its ES module; the standalone build (a global for a plain <script>) sits beside it.
  const charts = join(dirname(require.resolve("lightweight-charts/package.json")), "dist", "lightweight-charts.standalone.production.js");
  assets.set("vendor/lightweight-charts.js", { body: readFileSync(charts), type: TYPES[".js"] as string });
  return assets;
};

export const pageRoutes = async (app: FastifyInstance, opts: { authenticator: Authenticator }): Promise<void> => {
  const assets = loadAssets();

  app.get("/assets/*", { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    const name = (request.params as { "*": string })["*"];
    const asset = assets.get(name);
    if (asset === undefined) throw new HttpProblem(404, `no asset ${name}`, { type: PROBLEM_TYPES.notFound });
    return reply.type(asset.type).header("cache-control", "no-cache").send(asset.body);
  });

  app.get("/login", { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    const q = request.query as { expired?: string; out?: string };
    const notice = q.expired !== undefined ? "Your session has ended: log in again." : q.out !== undefined ? "You are logged out." : null;
    return reply.type(HTML).header("cache-control", "no-store").send(renderLogin(notice));
  });

  app.get("/setup", { config: PUBLIC, schema: { hide: true } }, async (_request, reply) => reply.type(HTML).header("cache-control", "no-store").send(renderSetup()));

  const servePage = (page: (typeof PAGES)[number]) => async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await opts.authenticator.authenticate(request);
    const ctx = result.ok ? sessionOf(request) : undefined;
    if (ctx === undefined) return reply.redirect(result.ok || result.reason === "missing_credentials" ? "/login" : "/login?expired=1", 303);
    if (!roleAtLeast(ctx.user.role, page.role)) {
      return reply.code(403).type(HTML).send(renderForbidden("Not for your role", `${page.title} needs the ${page.role} role; you are ${ctx.user.role}.`));
    }
    return reply
      .type(HTML)
      .header("cache-control", "no-store")
      .send(renderPage(page.id, { username: ctx.user.username, role: ctx.user.role, csrfToken: csrfTokenFor(ctx.credential.secret) }));
  };
  for (const page of PAGES) app.get(page.path, { config: PUBLIC, schema: { hide: true } }, servePage(page));
};
