// The console's HTML, as pure functions of what the server knows: the user, their role and the page.
// Every value is escaped; there is no inline script (the CSP forbids it) — the page's data arrives
// through /api/views/* and the live feed, rendered by /assets/console.js. Controls a role may not use
// are not rendered at all (and their routes refuse them anyway).
import { roleAtLeast, type Role } from "../../shared/contracts/index.js";
import { CONTROLS, type ControlAction } from "../domain/controls.js";

export const escapeHtml = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export interface PageUser {
  readonly username: string;
  readonly role: Role;
  readonly csrfToken: string;
}

export const PAGES = [
  { id: "overview", path: "/", title: "Overview", role: "viewer" },
  { id: "positions", path: "/positions", title: "Positions & orders", role: "viewer" },
  { id: "signals", path: "/signals", title: "Signals & decisions", role: "viewer" },
  { id: "traps", path: "/traps", title: "Traps", role: "viewer" },
  { id: "breaker", path: "/breaker", title: "Circuit breaker", role: "viewer" },
  { id: "proposals", path: "/proposals", title: "AI Quant proposals", role: "viewer" },
  { id: "alerts", path: "/alerts", title: "Alerts", role: "viewer" },
  { id: "audit", path: "/audit", title: "Audit log", role: "operator" },
  { id: "users", path: "/users", title: "Users & tokens", role: "admin" },
] as const satisfies ReadonlyArray<{ id: string; path: string; title: string; role: Role }>;
export type PageId = (typeof PAGES)[number]["id"];

const head = (title: string, extra = ""): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Titan console</title><link rel="stylesheet" href="/assets/console.css">${extra}</head>`;

/** One emergency control as a form: typed confirmation, reason, a fresh code, and its own fields. */
export const controlForm = (action: ControlAction, fields = ""): string => {
  const spec = CONTROLS[action];
  return `<form class="control" data-control="${action}" autocomplete="off">
  <h3>${escapeHtml(spec.title)}</h3>${fields}
  <label><span>Type <code>${escapeHtml(spec.confirmation)}</code> to confirm</span> <input name="confirmation" required maxlength="100" spellcheck="false"></label>
  <label>Reason <input name="reason" required maxlength="1000"></label>
  <label>Code from your authenticator <input name="totpCode" required pattern="[0-9]{6}" inputmode="numeric" maxlength="6"></label>
  <button type="submit" class="danger">${escapeHtml(spec.title)}</button>
  <output class="result" aria-live="polite"></output>
</form>`;
};

const symbolField = `<label>Symbol (all when empty) <input name="symbol" maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9._:/-]*"></label>`;

const controls = (role: Role, actions: ReadonlyArray<[ControlAction, string]>): string => {
  const allowed = actions.filter(([a]) => roleAtLeast(role, CONTROLS[a].role));
  return allowed.length === 0 ? "" : `<section id="controls" class="controls"><h2>Emergency controls</h2>${allowed.map(([a, f]) => controlForm(a, f)).join("\n")}</section>`;
};

const overrideFields = `<fieldset><legend>Weights (must add up to 1)</legend>
  <label>Phase 1 <input name="w1" type="number" step="0.01" min="0" max="1" required></label>
  <label>Phase 2 <input name="w2" type="number" step="0.01" min="0" max="1" required></label>
  <label>Phase 3 <input name="w3" type="number" step="0.01" min="0" max="1" required></label></fieldset>
  <label>Hours (at most 24) <input name="hours" type="number" step="0.5" min="0.5" max="24" required></label>`;

const section = (id: string, title: string, body = ""): string => `<section id="${id}"><h2>${escapeHtml(title)}</h2><div class="body" data-view="${id}">${body}<p class="muted">Loading…</p></div></section>`;

const BODIES: Record<PageId, (role: Role) => string> = {
  overview: (role) =>
    [
      section("account", "Account"),
      section("trading-state", "Trading state"),
      section("allocation", "Allocation by phase"),
      section("health", "Services"),
      section("kpis", "KPIs against their targets"),
      `<section id="equity-chart-box"><h2>Equity (live)</h2><div id="equity-chart" class="chart"></div></section>`,
      controls(role, [
        ["flatten", symbolField],
        ["cancel-all", symbolField],
        ["halt", ""],
        ["resume", ""],
        ["allocation-override", overrideFields],
        ["allocation-override-clear", ""],
      ]),
      section("feed", "Live events"),
    ].join("\n"),
  positions: () => [section("positions", "Positions"), section("open-orders", "Open orders"), section("recent-orders", "Recent orders")].join("\n"),
  signals: () => [section("recent-signals", "Recent signals"), section("decisions", "Decisions")].join("\n"),
  traps: () =>
    `<section id="chart-box"><h2>Price and trap levels</h2><label>Symbol <select id="chart-symbol"></select></label><div id="trap-chart" class="chart"></div></section>\n${section("traps", "Armed traps")}`,
  breaker: (role) =>
    [section("breaker-state", "State, figures and limits"), controls(role, [["breaker-reset", `<label><input type="checkbox" name="falsePositive"> The trip was a false positive</label>`]]), section("breaker-history", "History")].join("\n"),
  proposals: () => `${section("active-version", "Scavenger parameters")}\n${section("proposal-list", "Proposals")}\n<section id="proposal-detail" hidden><h2>Proposal</h2><div class="body"></div></section>`,
  alerts: () => section("alert-list", "Active alerts (Alertmanager)"),
  audit: (role) => `${roleAtLeast(role, "admin") ? `<p><button id="verify-audit">Verify the hash chain</button> <output id="audit-verdict"></output></p>` : ""}${section("audit-list", "Events")}`,
  users: () =>
    [
      section("user-list", "Users"),
      `<section><h2>Invite a user</h2><form id="invite" autocomplete="off"><label>Username <input name="username" required pattern="[a-z][a-z0-9._-]{2,63}"></label>
<label>Role <select name="role"><option>viewer</option><option>operator</option><option>admin</option></select></label><button type="submit">Invite</button><output class="result"></output></form></section>`,
      section("token-list", "API tokens"),
      `<section><h2>Issue an API token (for titanctl)</h2><form id="issue-token" autocomplete="off"><label>Name <input name="name" required maxlength="100" pattern="[A-Za-z0-9][A-Za-z0-9 ._-]*"></label>
<label>Role <select name="role"><option>viewer</option><option>operator</option><option>admin</option></select></label>
<label>Scopes (space-separated, empty = unrestricted) <input name="scopes" maxlength="2000"></label>
<label>Lifetime in days <input name="ttlDays" type="number" min="1" max="366" value="30" required></label><button type="submit">Issue</button><output class="result"></output></form></section>`,
    ].join("\n"),
};

const nav = (active: PageId, user: PageUser): string =>
  PAGES.filter((p) => roleAtLeast(user.role, p.role))
    .map((p) => `<a href="${p.path}"${p.id === active ? ' aria-current="page"' : ""}>${escapeHtml(p.title)}</a>`)
    .join("");

export const renderPage = (page: PageId, user: PageUser): string => {
  const spec = PAGES.find((p) => p.id === page);
  if (spec === undefined) throw new Error(`unknown page ${page}`);
  const vendor = page === "traps" || page === "overview" ? `<script src="/assets/vendor/lightweight-charts.js" defer></script>` : "";
  return `${head(spec.title, `<meta name="csrf-token" content="${escapeHtml(user.csrfToken)}">${vendor}<script type="module" src="/assets/console.js"></script>`)}
<body data-page="${page}" data-role="${user.role}" data-user="${escapeHtml(user.username)}">
<header><strong>Titan</strong><nav>${nav(page, user)}</nav><span id="live-status" class="live-status" data-state="connecting">connecting…</span>
<span class="who">${escapeHtml(user.username)} (${user.role})</span><button id="logout" type="button">Log out</button></header>
<main><h1>${escapeHtml(spec.title)}</h1><div id="notice" role="status" hidden></div>
${BODIES[page](user.role)}
</main></body></html>`;
};

export const renderLogin = (notice: string | null): string => `${head("Log in", `<script type="module" src="/assets/login.js"></script>`)}
<body data-page="login" class="narrow"><main><h1>Titan console</h1>${notice ? `<p class="notice">${escapeHtml(notice)}</p>` : ""}
<form id="login" autocomplete="on"><label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<label>Code from your authenticator (operators and admins) <input name="otp" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code"></label>
<button type="submit">Log in</button><output class="result" aria-live="polite"></output></form>
<p><a href="/setup">First time here? Set up your account with an enrollment code.</a></p></main></body></html>`;

export const renderSetup = (): string => `${head("Set up your account", `<script type="module" src="/assets/login.js"></script>`)}
<body data-page="setup" class="narrow"><main><h1>Set up your account</h1>
<form id="setup-begin" autocomplete="off"><label>Enrollment code <input name="code" required pattern="tse_[A-Za-z0-9_-]{43}" spellcheck="false"></label>
<button type="submit">Continue</button><output class="result"></output></form>
<form id="setup-complete" hidden autocomplete="off"><p>Add this secret to your authenticator app (or open the link on your phone), then enter the code it shows.</p>
<p><code id="totp-secret"></code></p><p><a id="totp-uri" href="#">otpauth link</a></p>
<label id="username-field">Username <input name="username" pattern="[a-z][a-z0-9._-]{2,63}" autocomplete="username"></label>
<label>New password (at least 12 characters) <input name="password" type="password" required minlength="12" autocomplete="new-password"></label>
<label>Code from your authenticator <input name="totpCode" inputmode="numeric" pattern="[0-9]{6}" maxlength="6"></label>
<button type="submit">Finish</button><output class="result"></output></form></main></body></html>`;

export const renderForbidden = (title: string, detail: string): string =>
  `${head(title)}<body class="narrow"><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p><p><a href="/">Back to the overview</a></p></main></body></html>`;
