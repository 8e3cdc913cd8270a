import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../shared/clock.js";
import type { MarketEvent } from "../events.js";
import { TapeArchiver } from "./archiver.js";
import { FolderObjectStore, S3ObjectStore, objectStoreFor, sha256Hex } from "./object-store.js";
import { readTapeDay } from "./reader.js";
import { TapeWriter } from "./writer.js";

const DAY1 = Date.UTC(2026, 3, 1, 12);
const trade = (symbol: string, tsMs: number, priceUsd: number): MarketEvent => ({
  type: "market-trade",
  payload: { version: 1, venue: "bybit", marketType: "linear", symbol, venueTsMs: tsMs, tsMs, tradeId: `${symbol}-${tsMs}`, side: "buy", priceUsd, qty: 0.5 },
});

async function tapeWithTwoDays(dir: string, clock: ManualClock): Promise<TapeWriter> {
  const writer = new TapeWriter({ dir, clock });
  writer.record([trade("BTCUSDT", DAY1, 60_000), trade("ETHUSDT", DAY1, 3_000)]);
  await writer.flush();
  writer.record([trade("BTCUSDT", DAY1 + 86_400_000, 61_000)]); // the next day: BTC's day-1 chunk closes
  await writer.flush();
  return writer;
}

describe("tape archiver", () => {
  it("ships closed chunks only, verified, once; frees local copies past the hot window", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tape-"));
    const remote = mkdtempSync(join(tmpdir(), "archive-"));
    const clock = new ManualClock(DAY1 + 86_400_000 + 60_000);
    const writer = await tapeWithTwoDays(dir, clock);
    const archived: string[] = [];
    const archiver = new TapeArchiver({ dir, store: new FolderObjectStore(remote), clock, openChunks: () => writer.openChunkPaths(), keepLocalDays: 2, onArchived: (key) => archived.push(key) });

    // Open: ETH's day-1 chunk and BTC's day-2 chunk. Closed: BTC's day-1 chunk.
    expect(await archiver.run()).toEqual({ uploaded: 1, alreadyThere: 0, deletedLocally: 0, failed: 0 });
    expect(archived).toEqual(["tape/BTCUSDT/2026-04-01.000001.tape"]);
    const local = readFileSync(join(dir, "BTCUSDT", "2026-04-01.000001.tape"));
    expect(readFileSync(join(remote, "tape/BTCUSDT/2026-04-01.000001.tape"))).toEqual(local);
    expect(readFileSync(join(remote, "tape/BTCUSDT/2026-04-01.000001.tape.sha256"), "utf8").trim()).toBe(sha256Hex(local));

    await writer.close();
    expect(await archiver.run()).toEqual({ uploaded: 2, alreadyThere: 1, deletedLocally: 0, failed: 0 });

    // Two and a half days after day 1 ended its local chunks go (kept 2 days), day 2's stay; the archive replays.
    clock.advance(2 * 86_400_000);
    expect(await archiver.run()).toEqual({ uploaded: 0, alreadyThere: 3, deletedLocally: 2, failed: 0 });
    expect(readdirSync(join(dir, "BTCUSDT"))).toEqual(["2026-04-02.000001.tape"]);
    const fromArchive = await readTapeDay(join(remote, "tape"), "BTCUSDT", "2026-04-01");
    expect(Array.from(fromArchive.trades.priceUsd)).toEqual([60_000]);
  });

  it("re-sends a chunk whose archived copy differs, and keeps the local file when the copy cannot be verified", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tape-"));
    const remote = mkdtempSync(join(tmpdir(), "archive-"));
    const clock = new ManualClock(DAY1 + 10 * 86_400_000);
    const writer = await tapeWithTwoDays(dir, clock);
    await writer.close();
    const store = new FolderObjectStore(remote);
    const archiver = new TapeArchiver({ dir, store, clock, openChunks: () => new Set(), keepLocalDays: null });
    await archiver.run();
    writeFileSync(join(remote, "tape/ETHUSDT/2026-04-01.000001.tape"), "damaged");
    expect(await archiver.run()).toMatchObject({ uploaded: 1, alreadyThere: 2 });

    const errors: string[] = [];
    const lying = { location: "test", head: async () => ({ sizeBytes: 1, sha256: "0" }), put: async () => undefined };
    const strict = new TapeArchiver({ dir, store: lying, clock, openChunks: () => new Set(), keepLocalDays: 0, onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`) });
    expect(await strict.run()).toMatchObject({ uploaded: 0, deletedLocally: 0, failed: 3 });
    expect(errors[0]).toMatch(/does not match/);
    expect(readdirSync(join(dir, "BTCUSDT"))).toHaveLength(2); // nothing deleted that is not safely archived
  });

  it("refuses a key that would escape the archive folder", async () => {
    const store = new FolderObjectStore(mkdtempSync(join(tmpdir(), "archive-")));
    await expect(store.put("../outside", Buffer.from("x"), sha256Hex(Buffer.from("x")))).rejects.toThrow(/escapes/);
  });
});

describe("S3 object store", () => {
  it("writes with S3's own SHA-256 check and reads the checksum back; a missing object is null", async () => {
    const s3 = mockClient(S3Client);
    const body = Buffer.from("chunk bytes");
    const sha = sha256Hex(body);
    s3.on(PutObjectCommand).resolves({});
    s3.on(HeadObjectCommand, { Bucket: "titan-tape", Key: "prod/tape/BTCUSDT/a.tape" }).resolves({ ContentLength: body.length, Metadata: { sha256: sha } });
    s3.on(HeadObjectCommand, { Bucket: "titan-tape", Key: "prod/tape/BTCUSDT/missing.tape" }).rejects(new NotFound({ message: "not found", $metadata: { httpStatusCode: 404 } }));
    const store = objectStoreFor("s3://titan-tape/prod", { s3Client: new S3Client({ region: "us-east-1" }) });
    expect(store).toBeInstanceOf(S3ObjectStore);
    await store.put("tape/BTCUSDT/a.tape", body, sha);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: "titan-tape", Key: "prod/tape/BTCUSDT/a.tape", ChecksumSHA256: Buffer.from(sha, "hex").toString("base64"), Metadata: { sha256: sha } });
    expect(await store.head("tape/BTCUSDT/a.tape")).toEqual({ sizeBytes: body.length, sha256: sha });
    expect(await store.head("tape/BTCUSDT/missing.tape")).toBeNull();
    expect(() => objectStoreFor("s3://Bad_Bucket/x")).toThrow(/bucket/);
  });
});
