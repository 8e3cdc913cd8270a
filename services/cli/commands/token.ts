// `titanctl token …`: API tokens for operators and automation, issued by the console to an admin logged
// in with a second factor (login.ts); listing and revoking take an admin token.
import { chmodSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { callJson } from "../http-client.js";
import type { CliContext } from "../context.js";
import { terminalPrompter, withConsoleSession, withLoginOptions, type LoginFlags, type Prompter } from "../login.js";

interface TokenListItem {
  id: string;
  name: string;
  role: string;
  scopes: string[];
  createdAtMs: number;
  expiresAtMs: number | null;
  revokedAtMs: number | null;
  createdBy: string;
}

const iso = (ms: number | null | undefined): string => (ms ? new Date(ms).toISOString().replace(/\.\d+Z$/, "Z") : "-");

export const renderTokenList = (tokens: readonly TokenListItem[]): string => {
  const header = ["ID", "NAME", "ROLE", "SCOPES", "CREATED", "EXPIRES", "REVOKED"];
  const rows = tokens.map((t) => [t.id, t.name, t.role, t.scopes.join(",") || "*", iso(t.createdAtMs), iso(t.expiresAtMs), iso(t.revokedAtMs)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
};

export const registerTokenCommands = (program: Command, ctx: () => CliContext, prompter: () => Prompter = terminalPrompter): void => {
  const token = program.command("token").description("manage API tokens (admin)");

  withLoginOptions(
    token
      .command("create")
      .description("issue a token as an admin logged in with password and TOTP (asked on the terminal, or --password-file and TITAN_OTP); shown once, or written to --out with mode 0600")
      .requiredOption("--name <name>", "what the token is for")
      .requiredOption("--role <role>", "viewer | operator | admin")
      .option("--scope <scope...>", "restrict to these scopes")
      .option("--ttl-days <days>", "lifetime in days", "30")
      .option("--out <file>", "write the token to this file (0600) instead of printing it"),
  ).action(async (opts: LoginFlags & { name: string; role: string; scope?: string[]; ttlDays: string; out?: string }) => {
    const ttlDays = Number(opts.ttlDays);
    if (!Number.isFinite(ttlDays) || ttlDays <= 0) throw new Error(`--ttl-days must be a positive number of days, got ${JSON.stringify(opts.ttlDays)}`);
    const c = ctx();
    // Only an admin at the console with a second factor may issue a token: an API token is refused here.
    const created = await withConsoleSession(c, opts, prompter(), (session) =>
      callJson<{ id: string; token: string; expiresAtMs: number }>(`${c.apiUrl}/api/auth/tokens`, {
        ...(c.caFile ? { caFile: c.caFile } : {}),
        headers: { ...session.headers },
        method: "POST",
        body: { name: opts.name, role: opts.role, scopes: opts.scope ?? [], ttlSeconds: Math.round(ttlDays * 86_400) },
      }),
    );
    if (opts.out) {
      writeFileSync(opts.out, `${created.token}\n`, { mode: 0o600 });
      chmodSync(opts.out, 0o600); // an existing file keeps its mode on write
      console.log(`token ${created.id} written to ${opts.out}, expires ${iso(created.expiresAtMs)}`);
    } else {
      console.log(created.token);
      console.error(`token ${created.id} expires ${iso(created.expiresAtMs)}; it will not be shown again`);
    }
  });

  token
    .command("list")
    .description("list tokens (never their secrets)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const c = ctx();
      const { tokens } = await callJson<{ tokens: TokenListItem[] }>(`${c.apiUrl}/api/auth/tokens`, c.request());
      console.log(opts.json ? JSON.stringify(tokens, null, 2) : renderTokenList(tokens));
    });

  token
    .command("revoke <id>")
    .description("revoke a token at once")
    .action(async (id: string) => {
      const c = ctx();
      await callJson(`${c.apiUrl}/api/auth/tokens/${encodeURIComponent(id)}`, { ...c.request(), method: "DELETE" });
      console.log(`token ${id} revoked`);
    });

  program
    .command("whoami")
    .description("show the principal behind the current token")
    .action(async () => {
      const c = ctx();
      const me = await callJson<Record<string, unknown>>(`${c.apiUrl}/api/auth/whoami`, c.request());
      console.log(JSON.stringify(me, null, 2));
    });
};
