import { describe, expect, it } from "vitest";
import { renderPgHba, serviceDatabaseUrl, serviceRoles } from "./postgres.js";

describe("client authentication of the stack's PostgreSQL", () => {
  const lines = renderPgHba("titan", serviceRoles())
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => l.split(/\s+/));

  it("lets every service role in only to the titan database, over TLS on loopback, with SCRAM", () => {
    const serviceLines = lines.filter((l) => l[2]?.startsWith("titan_"));
    expect(serviceLines).toEqual([["hostssl", "titan", "titan_brain,titan_execution,titan_console,titan_scavenger,titan_ai_quant", "127.0.0.1/32", "scram-sha-256"]]);
  });

  it("trusts only the postgres superuser, and only on the socket and loopback (replication for pg_basebackup)", () => {
    const trusted = lines.filter((l) => l.at(-1) === "trust");
    expect(trusted).toEqual([
      ["local", "all", "postgres", "trust"],
      ["host", "all", "postgres", "127.0.0.1/32", "trust"],
      ["host", "replication", "postgres", "127.0.0.1/32", "trust"],
    ]);
    expect(lines.every((l) => !l.includes("0.0.0.0/0") && l[2] !== "all")).toBe(true);
  });

  it("gives each service a URL with its own role and no password in it", () => {
    expect(serviceDatabaseUrl("ai-quant", 55432)).toBe("postgres://titan_ai_quant@127.0.0.1:55432/titan");
  });
});
