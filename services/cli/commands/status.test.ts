import { describe, expect, it } from "vitest";
import { renderStatus } from "./status.js";

describe("titanctl status rendering", () => {
  it("prints one line per component and exits 0 when all are healthy", () => {
    const { text, exitCode } = renderStatus([
      { name: "postgres", healthy: true, detail: "PostgreSQL 15", latencyMs: 2.2 },
      { name: "brain", healthy: true, detail: "postgres ok, redis ok", latencyMs: 4 },
    ]);
    expect(exitCode).toBe(0);
    const lines = text.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^postgres\s+healthy\s+2 ms\s+PostgreSQL 15$/);
    expect(lines[3]).toBe("all 2 components healthy");
  });

  it("exits 1 and says how many are unhealthy when any component fails", () => {
    const { text, exitCode } = renderStatus([
      { name: "redis", healthy: false, detail: "connect ECONNREFUSED", latencyMs: 1 },
      { name: "brain", healthy: true, detail: "ok", latencyMs: 1 },
    ]);
    expect(exitCode).toBe(1);
    expect(text).toContain("redis      UNHEALTHY");
    expect(text.split("\n").at(-1)).toBe("1 of 2 components unhealthy");
  });
});
