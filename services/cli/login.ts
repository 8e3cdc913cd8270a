// Logging in to the console from titanctl, as a person at the console does: password and TOTP code
// (POST /api/session with Basic credentials and X-Titan-Otp), then the session cookie with its CSRF
// token on every state-changing call, then logging out. Issuing API tokens and managing users need such
// a session opened with a second factor; an API token is refused there. Secrets are asked for on the
// terminal without echo, or read from --password-file and TITAN_OTP for scripts; never printed.
import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { callJson, send, ApiError, describeProblem } from "./http-client.js";
import type { CliContext } from "./context.js";

/** The console's login route and headers (services/console/adapters/auth-strategies.ts, domain/session-credentials.ts). */
export const LOGIN_PATH = "/api/session";
export const OTP_HEADER = "x-titan-otp";
export const CSRF_HEADER = "x-csrf-token";

export interface LoginFlags {
  readonly user?: string;
  readonly passwordFile?: string;
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Absent for a viewer without a second factor. */
  readonly otp?: string;
}

/** How titanctl asks a person for what it needs; replaced in tests. */
export interface Prompter {
  /** True when a person can answer (stdin is a terminal). */
  readonly interactive: boolean;
  ask(question: string): Promise<string>;
  /** Asks without echoing what is typed. */
  askHidden(question: string): Promise<string>;
}

/** Adds the login options to a command that needs a console session. */
export const withLoginOptions = (cmd: Command): Command =>
  cmd
    .option("--user <username>", "console user to log in as (default: TITAN_USER, else asked)")
    .option("--password-file <file>", "read the password from this file (mode 0600) instead of asking; the TOTP code comes from TITAN_OTP or is asked");

const readPasswordFile = (file: string, warn: (line: string) => void): string => {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`--password-file: cannot read '${file}' (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  if ((statSync(file).mode & 0o077) !== 0) warn(`titanctl: ${file} can be read by others; chmod 600 it`);
  const password = text.replace(/[\r\n]+$/, "");
  if (password === "") throw new Error(`--password-file: '${file}' is empty`);
  return password;
};

/**
 * The username, password and code to log in with: from the flags and environment first, then asked on
 * the terminal. Without a terminal a missing password or code is an error naming where to put it.
 */
export const resolveCredentials = async (flags: LoginFlags, env: NodeJS.ProcessEnv, prompter: Prompter, warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<Credentials> => {
  const noTerminal = (what: string, where: string): Error => new Error(`no terminal to ask for ${what}: ${where}`);
  let username = flags.user ?? env.TITAN_USER?.trim();
  if (!username) {
    if (!prompter.interactive) throw noTerminal("the username", "give --user or set TITAN_USER");
    username = (await prompter.ask("Username: ")).trim();
  }
  if (!username) throw new Error("no username given");
  let password: string;
  if (flags.passwordFile !== undefined) password = readPasswordFile(flags.passwordFile, warn);
  else if (prompter.interactive) password = await prompter.askHidden(`Password for ${username}: `);
  else throw noTerminal("the password", "give --password-file <file>");
  if (password === "") throw new Error("no password given");
  let otp = env.TITAN_OTP?.trim();
  if (!otp && prompter.interactive) otp = (await prompter.askHidden("Authenticator code (empty if you have none): ")).trim();
  if (otp !== undefined && otp !== "" && !/^\d{6}$/.test(otp)) throw new Error("the authenticator code is 6 digits");
  return { username, password, ...(otp ? { otp } : {}) };
};

export const basicAuthorization = (username: string, password: string): string => `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;

/** The `name=value` part of the session's Set-Cookie header. */
export const sessionCookieFrom = (setCookie: string | string[] | undefined): string => {
  const first = (Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie]).map((c) => c.split(";")[0]?.trim() ?? "").find((c) => c.includes("="));
  if (!first) throw new Error("the console answered the login without a session cookie");
  return first;
};

export interface ConsoleSession {
  readonly username: string;
  readonly role: string;
  readonly mfa: boolean;
  /** Headers of a request riding on the session: the cookie and its CSRF token. */
  readonly headers: Readonly<Record<string, string>>;
  /** Ends the session (its delegated token with it). */
  logout(): Promise<void>;
}

/** Logs in; a refusal becomes an ApiError with the console's own words (which never say which part was wrong). */
export const openConsoleSession = async (ctx: CliContext, creds: Credentials): Promise<ConsoleSession> => {
  const headers: Record<string, string> = { authorization: basicAuthorization(creds.username, creds.password) };
  if (creds.otp) headers[OTP_HEADER] = creds.otp;
  const answer = await send(`${ctx.apiUrl}${LOGIN_PATH}`, { method: "POST", headers, ...(ctx.caFile ? { caFile: ctx.caFile } : {}), timeoutMs: 15_000 });
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    parsed = undefined;
  }
  if (answer.status !== 201) throw new ApiError(answer.status, `login as ${creds.username} refused: ${describeProblem(parsed, answer.body)}`);
  const view = parsed as { username: string; role: string; mfa: boolean; csrfToken: string };
  const sessionHeaders = { cookie: sessionCookieFrom(answer.headers["set-cookie"]), [CSRF_HEADER]: view.csrfToken };
  return {
    username: view.username,
    role: view.role,
    mfa: view.mfa,
    headers: sessionHeaders,
    logout: async () => {
      await callJson(`${ctx.apiUrl}${LOGIN_PATH}`, { method: "DELETE", headers: sessionHeaders, ...(ctx.caFile ? { caFile: ctx.caFile } : {}) });
    },
  };
};

/** Runs `work` inside a session that is closed afterwards, whatever happens. */
export const withConsoleSession = async <T>(ctx: CliContext, flags: LoginFlags, prompter: Prompter, work: (session: ConsoleSession) => Promise<T>): Promise<T> => {
  const session = await openConsoleSession(ctx, await resolveCredentials(flags, process.env, prompter));
  try {
    return await work(session);
  } finally {
    await session.logout().catch((err: unknown) => process.stderr.write(`titanctl: logging out failed (the session expires by itself): ${(err as Error).message}\n`));
  }
};

/** Asks on the terminal (stderr, so stdout stays clean for what the command prints). */
export const terminalPrompter = (): Prompter => ({
  interactive: process.stdin.isTTY === true,
  ask: async (question) => {
    const { createInterface } = await import("node:readline/promises");
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
  askHidden: (question) =>
    new Promise((resolve, reject) => {
      const stdin = process.stdin;
      process.stderr.write(question);
      stdin.setRawMode(true);
      stdin.setEncoding("utf8");
      stdin.resume();
      let value = "";
      const finish = (err?: Error): void => {
        stdin.off("data", onData);
        stdin.setRawMode(false);
        stdin.pause();
        process.stderr.write("\n");
        if (err) reject(err);
        else resolve(value);
      };
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish();
          if (ch === "\u0003") return finish(new Error("cancelled"));
          if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on("data", onData);
    }),
});
