// The admin's pages: the audit log (with the chain check) and users and tokens.
/* global document, window */
import { fill, h, table, time } from "./dom.js";

// ---- audit ----------------------------------------------------------------------------------
const auditColumns = [["Seq", (e) => String(e.seq)], ["At", (e) => time(e.atMs)], ["Actor", (e) => `${e.actor.name} (${e.actor.kind}:${e.actor.id})`], ["Service", (e) => e.service], ["Action", (e) => e.action], ["Target", (e) => e.target], ["Reason", (e) => e.reason ?? ""]];
export const audit = {
  async load({ api }) {
    const v = await api("GET", "/api/audit?limit=200");
    fill("audit-list", table(auditColumns, v.events, { key: (e) => String(e.seq) }));
  },
  wire({ api }) {
    document.getElementById("verify-audit")?.addEventListener("click", async () => {
      const out = document.getElementById("audit-verdict");
      out.textContent = "verifying…";
      try {
        const v = await api("GET", "/api/audit/verify");
        out.textContent = v.ok ? `intact: ${v.rows} rows, head seq ${v.head?.seq ?? "–"} ${v.head?.hash.slice(0, 16) ?? ""}…` : `BROKEN at seq ${v.problem.seq} (${v.problem.kind}): ${v.problem.detail}`;
        out.dataset.kind = v.ok ? "ok" : "error";
      } catch (err) {
        out.textContent = err.message;
        out.dataset.kind = "error";
      }
    });
  },
};

// ---- users and tokens -----------------------------------------------------------------------
const once = (form, text) => {
  const out = form.querySelector("output");
  out.replaceChildren(h("span", {}, "Shown once, copy it now: "), h("code", { class: "secret" }, text));
  out.dataset.kind = "ok";
};
const userAction = (ctx, reload, u, verb, extra = {}) => async () => {
  const reason = window.prompt(`Reason to ${verb} ${u.username}:`);
  if (!reason) return;
  try {
    const res = await ctx.api("POST", `/api/users/${u.username}/${verb}`, { reason, ...extra });
    if (res.code) window.prompt(`Enrollment code for ${u.username} (shown once; they open /setup with it):`, res.code);
    await reload();
  } catch (err) {
    ctx.notice(err.message, "error");
  }
};
export const users = {
  async load(ctx) {
    const reload = () => users.load(ctx);
    const [u, t] = await Promise.all([ctx.api("GET", "/api/users"), ctx.api("GET", "/api/auth/tokens")]);
    fill(
      "user-list",
      table(
        [
          ["User", (x) => x.username],
          ["Role", (x) => x.role],
          ["2FA", (x) => (x.mfa ? "yes" : "no")],
          ["State", (x) => (x.disabled ? "disabled" : x.locked ? "locked" : "active")],
          ["Last login", (x) => time(x.lastLoginAtMs)],
          ["Sessions", (x) => String(x.activeSessions)],
          [
            "Actions",
            (x) => [
              h("select", { "aria-label": `role of ${x.username}`, "data-user": x.username }, ["viewer", "operator", "admin"].map((r) => h("option", { value: r, selected: r === x.role }, r))),
              h("button", { type: "button", onclick: () => userAction(ctx, reload, x, "role", { role: document.querySelector(`select[data-user="${x.username}"]`).value })() }, "Set role"),
              h("button", { type: "button", onclick: userAction(ctx, reload, x, x.disabled ? "enable" : "disable") }, x.disabled ? "Enable" : "Disable"),
              h("button", { type: "button", onclick: userAction(ctx, reload, x, "reset") }, "Reset credentials"),
            ],
          ],
        ],
        u.users,
        { key: (x) => x.username },
      ),
    );
    fill(
      "token-list",
      table(
        [["Name", (x) => x.name], ["Role", (x) => x.role], ["Scopes", (x) => x.scopes.join(" ") || "*"], ["Created by", (x) => x.createdBy], ["Expires", (x) => time(x.expiresAtMs)], ["Revoked", (x) => time(x.revokedAtMs)], ["", (x) => (x.revokedAtMs ? "" : h("button", { type: "button", onclick: async () => { if (!window.confirm(`Revoke ${x.name}?`)) return; await ctx.api("DELETE", `/api/auth/tokens/${x.id}`).catch((err) => ctx.notice(err.message, "error")); await reload(); } }, "Revoke"))]],
        t.tokens.filter((x) => !x.name.startsWith("console session ") || !x.revokedAtMs),
        { key: (x) => x.id },
      ),
    );
  },
  wire(ctx, reload) {
    const invite = document.getElementById("invite");
    invite?.addEventListener("submit", async (e) => {
      e.preventDefault();
      const v = Object.fromEntries(new window.FormData(invite).entries());
      try {
        once(invite, (await ctx.api("POST", "/api/users", { username: v.username, role: v.role })).code);
        await reload();
      } catch (err) {
        invite.querySelector("output").textContent = `refused: ${err.message}`;
      }
    });
    const issue = document.getElementById("issue-token");
    issue?.addEventListener("submit", async (e) => {
      e.preventDefault();
      const v = Object.fromEntries(new window.FormData(issue).entries());
      const scopes = String(v.scopes).split(/\s+/).filter(Boolean);
      try {
        once(issue, (await ctx.api("POST", "/api/auth/tokens", { name: v.name, role: v.role, scopes, ttlSeconds: Math.round(Number(v.ttlDays) * 86_400) })).token);
        await reload();
      } catch (err) {
        issue.querySelector("output").textContent = `refused: ${err.message}`;
      }
    });
  },
};
