import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { basicAuthorization, resolveCredentials, sessionCookieFrom, type Prompter } from "./login.js";

/** A person at a terminal who answers from a script, and a record of what was asked and how. */
const person = (answers: Record<string, string>, interactive = true) => {
  const asked: Array<{ question: string; hidden: boolean }> = [];
  const answer = (question: string, hidden: boolean): Promise<string> => {
    asked.push({ question, hidden });
    const key = Object.keys(answers).find((k) => question.startsWith(k));
    return Promise.resolve(key === undefined ? "" : answers[key]!);
  };
  const prompter: Prompter = { interactive, ask: (q) => answer(q, false), askHidden: (q) => answer(q, true) };
  return { prompter, asked };
};

const passwordFile = (content: string, mode = 0o600): string => {
  const file = join(mkdtempSync(join(tmpdir(), "titanctl-login-")), "password");
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
};

describe("the credentials titanctl logs in with", () => {
  it("are asked on a terminal, the password and code without echo", async () => {
    const { prompter, asked } = person({ "Username": "alice", "Password": "correct horse battery staple", "Authenticator": "123456" });
    expect(await resolveCredentials({}, {}, prompter)).toEqual({ username: "alice", password: "correct horse battery staple", otp: "123456" });
    expect(asked).toEqual([
      { question: "Username: ", hidden: false },
      { question: "Password for alice: ", hidden: true },
      { question: "Authenticator code (empty if you have none): ", hidden: true },
    ]);
  });

  it("come from --user, --password-file and TITAN_OTP for scripts, asking nothing", async () => {
    const { prompter, asked } = person({}, false);
    const file = passwordFile("s3cret pass phrase\n");
    expect(await resolveCredentials({ user: "alice", passwordFile: file }, { TITAN_OTP: " 654321 " }, prompter)).toEqual({ username: "alice", password: "s3cret pass phrase", otp: "654321" });
    expect(await resolveCredentials({ passwordFile: file }, { TITAN_USER: "bob" }, prompter)).toEqual({ username: "bob", password: "s3cret pass phrase" });
    expect(asked).toEqual([]);
  });

  it("without a terminal, name the option or variable that is missing", async () => {
    const { prompter } = person({}, false);
    await expect(resolveCredentials({}, {}, prompter)).rejects.toThrow("no terminal to ask for the username: give --user or set TITAN_USER");
    await expect(resolveCredentials({ user: "alice" }, {}, prompter)).rejects.toThrow("no terminal to ask for the password: give --password-file <file>");
  });

  it("refuse an empty or unreadable password file and a code that is not 6 digits", async () => {
    const { prompter } = person({}, false);
    await expect(resolveCredentials({ user: "a", passwordFile: passwordFile("\n") }, {}, prompter)).rejects.toThrow(/is empty/);
    await expect(resolveCredentials({ user: "a", passwordFile: "/nonexistent/pw" }, {}, prompter)).rejects.toThrow("--password-file: cannot read '/nonexistent/pw' (ENOENT)");
    await expect(resolveCredentials({ user: "a", passwordFile: passwordFile("pw") }, { TITAN_OTP: "12345a" }, prompter)).rejects.toThrow("the authenticator code is 6 digits");
  });

  it("warn when the password file can be read by others, without printing the password", async () => {
    const { prompter } = person({}, false);
    const warnings: string[] = [];
    const file = passwordFile("hunter2 hunter2", 0o644);
    await resolveCredentials({ user: "a", passwordFile: file }, {}, prompter, (l) => warnings.push(l));
    expect(warnings).toEqual([`titanctl: ${file} can be read by others; chmod 600 it`]);
    expect(warnings.join("")).not.toContain("hunter2");
  });
});

describe("the login exchange", () => {
  it("sends Basic credentials, UTF-8 encoded", () => {
    expect(basicAuthorization("alice", "pä:ss")).toBe(`Basic ${Buffer.from("alice:pä:ss").toString("base64")}`);
  });

  it("keeps only name=value of the session cookie", () => {
    expect(sessionCookieFrom(["titan_session=abc.def; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=28800"])).toBe("titan_session=abc.def");
    expect(sessionCookieFrom("titan_session=x; Path=/")).toBe("titan_session=x");
    expect(() => sessionCookieFrom(undefined)).toThrow(/without a session cookie/);
  });
});
