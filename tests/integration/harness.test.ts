import { describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { inject } from "vitest";
import { withTestDatabase } from "../support/test-database.js";

describe("test harness", () => {
  it("gives each file its own PostgreSQL database and a shared Redis", async () => {
    const db = await withTestDatabase("harness");
    const { rows } = await db.pool.query<{ current_database: string }>("SELECT current_database()");
    expect(rows[0]?.current_database).toBe(db.name);
    const redis = new Redis(inject("redisUrl"));
    expect(await redis.ping()).toBe("PONG");
    redis.disconnect();
  });
});
