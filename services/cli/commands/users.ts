// `titanctl user add|list|disable|enable` and `titanctl access-review`: the console's user management
// and the seed's quarterly access review. Changes need an admin logged in with password and TOTP (the
// console refuses them to API tokens) and are audited by the console; reading takes an admin token, or
// a login with --login.
import { chmodSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { callJson } from "../http-client.js";
import type { CliContext } from "../context.js";
import { terminalPrompter, withConsoleSession, withLoginOptions, type LoginFlags, type Prompter } from "../login.js";

export interface UserRow {
  readonly username: string;
  readonly role: string;
  readonly mfa: boolean;
  readonly disabled: boolean;
  readonly locked: boolean;
  readonly createdBy: string;
  readonly lastLoginAtMs: number | null;
  readonly activeSessions: number;
}

export interface AccessReviewView {
  readonly generatedAtMs: number;
  readonly reviewEveryDays: number;
  readonly staleAfterDays: number;
  readonly rotateAfterDays: number;
  readonly users: ReadonlyArray<UserRow & { readonly daysSinceLogin: number | null; readonly credentialAgeDays: number; readonly findings: readonly string[] }>;
  readonly tokens: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly role: string;
    readonly createdBy: string;
    readonly ageDays: number;
    readonly daysSinceUse: number | null;
    readonly expiresInDays: number;
    readonly consoleSession: boolean;
    readonly findings: readonly string[];
  }>;
  readonly findings: ReadonlyArray<{ readonly subject: string; readonly name: string; readonly finding: string; readonly detail: string }>;
}

const iso = (ms: number | null): string => (ms === null ? "never" : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z"));

/** Aligned columns, the header first. */
export const table = (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
};

const state = (u: Pick<UserRow, "disabled" | "locked">): string => (u.disabled ? "disabled" : u.locked ? "locked" : "active");

export const renderUsers = (users: readonly UserRow[]): string =>
  table(
    ["USER", "ROLE", "MFA", "STATE", "LAST LOGIN", "SESSIONS", "CREATED BY"],
    users.map((u) => [u.username, u.role, u.mfa ? "yes" : "no", state(u), iso(u.lastLoginAtMs), String(u.activeSessions), u.createdBy]),
  );

const days = (n: number | null): string => (n === null ? "never" : `${n} d`);

export const renderAccessReview = (r: AccessReviewView): string => {
  const users = table(
    ["USER", "ROLE", "MFA", "STATE", "LAST LOGIN", "CREDENTIALS", "FINDINGS"],
    r.users.map((u) => [u.username, u.role, u.mfa ? "yes" : "no", state(u), u.daysSinceLogin === null ? "never" : `${u.daysSinceLogin} d ago`, `${u.credentialAgeDays} d old`, u.findings.join(",") || "-"]),
  );
  const tokens = table(
    ["TOKEN", "ID", "ROLE", "AGE", "LAST USE", "EXPIRES IN", "ISSUED BY", "FINDINGS"],
    r.tokens.map((t) => [t.name, t.id, t.role, `${t.ageDays} d`, t.daysSinceUse === null ? "never" : `${days(t.daysSinceUse)} ago`, `${t.expiresInDays} d`, t.createdBy, t.findings.join(",") || (t.consoleSession ? "(browser session)" : "-")]),
  );
  const findings = r.findings.length === 0 ? ["no findings"] : r.findings.map((f) => `- ${f.subject} ${f.name}: ${f.finding}: ${f.detail}`);
  return [
    `Access review of ${iso(r.generatedAtMs)} (every ${r.reviewEveryDays} days; access unused for ${r.staleAfterDays} days is stale; tokens older than ${r.rotateAfterDays} days are rotated)`,
    "",
    users,
    "",
    tokens,
    "",
    `Findings (${r.findings.length}):`,
    ...findings,
  ].join("\n");
};

interface ReadFlags extends LoginFlags {
  readonly login?: boolean;
  readonly json?: boolean;
}

export const registerUserCommands = (program: Command, ctx: () => CliContext, prompter: () => Prompter = terminalPrompter): void => {
  const tls = (c: CliContext) => (c.caFile ? { caFile: c.caFile } : {});

  /** A GET as an admin: with the caller's token, or inside a login with --login. */
  const adminGet = async <T>(flags: ReadFlags, path: string): Promise<T> => {
    const c = ctx();
    if (!flags.login) return callJson<T>(`${c.apiUrl}${path}`, c.request());
    return withConsoleSession(c, flags, prompter(), (session) => callJson<T>(`${c.apiUrl}${path}`, { ...tls(c), headers: { ...session.headers } }));
  };

  /** A change as an admin logged in with a second factor: the only way the console accepts it. */
  const adminPost = async <T>(flags: LoginFlags, path: string, body: unknown): Promise<T> => {
    const c = ctx();
    return withConsoleSession(c, flags, prompter(), (session) => callJson<T>(`${c.apiUrl}${path}`, { ...tls(c), method: "POST", headers: { ...session.headers }, body }));
  };

  const user = program.command("user").description("console users: invite, list, disable, enable (admin)");

  withLoginOptions(
    user
      .command("add <username>")
      .description("invite a user: prints a one-time enrollment code (or writes it to --out, mode 0600) with which they set their password and authenticator at /setup")
      .requiredOption("--role <role>", "viewer | operator | admin (operator and admin must enroll a second factor)")
      .option("--reason <text>", "why they need access (kept in the audit log)")
      .option("--out <file>", "write the enrollment code to this file (0600) instead of printing it"),
  ).action(async (username: string, opts: LoginFlags & { role: string; reason?: string; out?: string }) => {
    const issued = await adminPost<{ username: string; code: string; expiresAtMs: number; setupPath: string }>(opts, "/api/users", { username, role: opts.role, ...(opts.reason ? { reason: opts.reason } : {}) });
    const where = `${ctx().apiUrl}${issued.setupPath}`;
    if (opts.out) {
      writeFileSync(opts.out, `${issued.code}\n`, { mode: 0o600 });
      chmodSync(opts.out, 0o600);
      console.log(`enrollment code for ${issued.username} written to ${opts.out}; they enroll at ${where} before ${iso(issued.expiresAtMs)}`);
    } else {
      console.log(issued.code);
      console.error(`${issued.username} (${opts.role}) enrolls at ${where} with this code before ${iso(issued.expiresAtMs)}; it will not be shown again`);
    }
  });

  withLoginOptions(
    user
      .command("list")
      .description("every user: role, second factor, state, last login, open sessions")
      .option("--json", "print JSON")
      .option("--login", "log in (password and TOTP) instead of using the API token"),
  ).action(async (opts: ReadFlags) => {
    const { users } = await adminGet<{ users: UserRow[] }>(opts, "/api/users");
    console.log(opts.json ? JSON.stringify(users, null, 2) : renderUsers(users));
  });

  for (const [verb, summary] of [
    ["disable", "disable a user: their sessions and the tokens of those sessions end at once"],
    ["enable", "enable a disabled user again"],
  ] as const) {
    withLoginOptions(user.command(`${verb} <username>`).description(summary).requiredOption("--reason <text>", "why (kept in the audit log)")).action(
      async (username: string, opts: LoginFlags & { reason: string }) => {
        const after = await adminPost<UserRow>(opts, `/api/users/${encodeURIComponent(username)}/${verb}`, { reason: opts.reason });
        console.log(`${after.username} ${after.disabled ? "disabled" : "enabled"} (${after.role})`);
      },
    );
  }

  withLoginOptions(
    program
      .command("access-review")
      .description("the quarterly access review: users with role, last login and second factor; live tokens with age and last use; findings (stale accounts and tokens, missing second factors, tokens due for rotation); the review is audited")
      .option("--json", "print JSON")
      .option("--fail-on-findings", "exit 1 when there are findings (for a scheduled check)")
      .option("--login", "log in (password and TOTP) instead of using the API token"),
  ).action(async (opts: ReadFlags & { failOnFindings?: boolean }) => {
    const review = await adminGet<AccessReviewView>(opts, "/api/access-review");
    console.log(opts.json ? JSON.stringify(review, null, 2) : renderAccessReview(review));
    if (opts.failOnFindings && review.findings.length > 0) process.exitCode = 1;
  });
};
