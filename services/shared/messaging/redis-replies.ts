// Pure readers for the Redis stream replies messaging uses. Replies arrive as nested arrays (RESP2
// shapes; ioredis keeps them so under RESP3 too); anything else is a protocol surprise worth an error.

export interface StreamEntry {
  readonly id: string;
  /** Flat [field, value, …]; null when the entry was deleted while still pending. */
  readonly fields: string[] | null;
}

export interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveryCount: number;
}

const fail = (what: string, reply: unknown): never => {
  throw new Error(`unexpected ${what} reply from Redis: ${JSON.stringify(reply)?.slice(0, 200)}`);
};

const asString = (value: unknown, what: string): string => {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return fail(what, value);
};

const asNumber = (value: unknown, what: string): number => {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(n) ? n : fail(what, value);
};

export const parseEntries = (reply: unknown, what = "stream entries"): StreamEntry[] => {
  if (!Array.isArray(reply)) return fail(what, reply);
  return reply.map((item: unknown) => {
    if (!Array.isArray(item) || item.length < 1) return fail(what, item);
    const fields = item[1];
    if (fields === null || fields === undefined) return { id: asString(item[0], what), fields: null };
    if (!Array.isArray(fields)) return fail(what, item);
    return { id: asString(item[0], what), fields: fields.map((f) => asString(f, what)) };
  });
};

/** XREADGROUP: null on timeout, else [[stream, entries], …]. */
export const parseReadGroupReply = (reply: unknown): Array<{ stream: string; entries: StreamEntry[] }> => {
  if (reply === null || reply === undefined) return [];
  if (!Array.isArray(reply)) return fail("XREADGROUP", reply);
  return reply.map((item: unknown) => {
    if (!Array.isArray(item) || item.length !== 2) return fail("XREADGROUP", item);
    return { stream: asString(item[0], "XREADGROUP"), entries: parseEntries(item[1], "XREADGROUP") };
  });
};

/** XAUTOCLAIM (Redis ≥ 7): [next cursor, claimed entries, ids deleted from the PEL]. */
export const parseAutoClaimReply = (reply: unknown): { cursor: string; entries: StreamEntry[]; deletedIds: string[] } => {
  if (!Array.isArray(reply) || reply.length < 2) return fail("XAUTOCLAIM", reply);
  const deleted = reply[2];
  return {
    cursor: asString(reply[0], "XAUTOCLAIM"),
    entries: parseEntries(reply[1], "XAUTOCLAIM").filter((e) => e.fields !== null),
    deletedIds: Array.isArray(deleted) ? deleted.map((id) => asString(id, "XAUTOCLAIM")) : [],
  };
};

/** XPENDING key group [IDLE ms] start end count [consumer]: [[id, consumer, idle, deliveries], …]. */
export const parsePendingRange = (reply: unknown): PendingEntry[] => {
  if (!Array.isArray(reply)) return fail("XPENDING", reply);
  return reply.map((item: unknown) => {
    if (!Array.isArray(item) || item.length < 4) return fail("XPENDING", item);
    return {
      id: asString(item[0], "XPENDING"),
      consumer: asString(item[1], "XPENDING"),
      idleMs: asNumber(item[2], "XPENDING"),
      deliveryCount: asNumber(item[3], "XPENDING"),
    };
  });
};

/** XINFO GROUPS: one flat [key, value, …] list per group; lag is null when Redis cannot tell. */
export const parseGroupInfo = (reply: unknown, group: string): { pending: number; lag: number | null } | null => {
  if (!Array.isArray(reply)) return fail("XINFO GROUPS", reply);
  for (const item of reply) {
    if (!Array.isArray(item)) return fail("XINFO GROUPS", item);
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < item.length; i += 2) info.set(asString(item[i], "XINFO GROUPS"), item[i + 1]);
    if (info.get("name") !== group) continue;
    const lag = info.get("lag");
    return { pending: asNumber(info.get("pending"), "XINFO GROUPS"), lag: lag === null || lag === undefined ? null : asNumber(lag, "XINFO GROUPS") };
  }
  return null;
};

