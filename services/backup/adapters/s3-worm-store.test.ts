import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { RETENTION } from "../../../ops/index.js";
import { describeFile, renderManifest, sha256Hex } from "../domain/compliance.js";
import { verifyExports } from "./compliance-export.js";
import { S3WormStore, retainUntil } from "./s3-worm-store.js";
import { ObjectExistsError } from "./worm-store.js";

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

/** A bucket as S3 behaves for these calls: conditional puts refused on an existing key, pages of two keys. */
const emulateBucket = (): Map<string, Uint8Array> => {
  const objects = new Map<string, Uint8Array>();
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch === "*" && objects.has(input.Key)) {
      throw new S3ServiceException({ name: "PreconditionFailed", $fault: "client", $metadata: { httpStatusCode: 412 }, message: "At least one of the pre-conditions you specified did not hold" });
    }
    objects.set(input.Key, input.Body);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string; ContinuationToken?: string }) => {
    const keys = [...objects.keys()].filter((k) => k.startsWith(input.Prefix)).sort();
    const start = Number(input.ContinuationToken ?? 0);
    const page = keys.slice(start, start + 2);
    return { Contents: page.map((Key) => ({ Key, Size: objects.get(Key)!.byteLength })), IsTruncated: start + 2 < keys.length, NextContinuationToken: String(start + 2) };
  });
  // The SDK's streaming body, reduced to the one method the store reads.
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: { transformToByteArray: async () => objects.get(input.Key)! } }));
  return objects;
};

describe("the S3 write-once store", () => {
  const nowMs = Date.UTC(2026, 2, 5, 0, 10);
  const store = new S3WormStore(new S3Client({ region: "eu-west-1" }), "titan-prod-trade-records", "exports", () => nowMs);

  it("puts each object with compliance-mode Object Lock for the retention of ops/, S3's SHA-256 check, and If-None-Match", async () => {
    emulateBucket();
    await store.putOnce("trade-records/2026/03/04/a/fills.jsonl", Buffer.from("{}\n"));
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      Bucket: "titan-prod-trade-records",
      Key: "exports/trade-records/2026/03/04/a/fills.jsonl",
      IfNoneMatch: "*",
      ObjectLockMode: "COMPLIANCE",
      ChecksumSHA256: Buffer.from(sha256Hex("{}\n"), "hex").toString("base64"),
    });
    expect(put.ObjectLockRetainUntilDate).toEqual(new Date(Date.UTC(2026 + RETENTION.tradingRecordsYears.value, 2, 5, 0, 10)));
    expect(retainUntil(Date.UTC(2024, 1, 29))).toEqual(new Date(Date.UTC(2024 + RETENTION.tradingRecordsYears.value, 2, 1)));
  });

  it("turns S3's refusal of an existing key into ObjectExistsError", async () => {
    emulateBucket();
    await store.putOnce("k/one", Buffer.from("1"));
    await expect(store.putOnce("k/one", Buffer.from("2"))).rejects.toBeInstanceOf(ObjectExistsError);
    expect(() => new S3WormStore(new S3Client({}), "Not_A_Bucket")).toThrow(/bucket/);
  });

  it("lists across pages without its prefix, and the verifier reads a day back from it", async () => {
    const objects = emulateBucket();
    const body = '{"fill_id":"f-1"}\n';
    const file = describeFile("a/execution-fills.jsonl", body, 1);
    await store.putOnce("trade-records/2026/03/04/a/execution-fills.jsonl", Buffer.from(body));
    await store.putOnce("trade-records/2026/03/04/manifest.json", Buffer.from(renderManifest({ version: 1, day: "2026-03-04", createdAt: "2026-03-05T00:10:00.000Z", previousManifestSha256: null, files: [file] })));
    await store.putOnce("trade-records/2026/03/04/b/left-over.jsonl", Buffer.from("x"));
    expect((await store.list("trade-records/")).map((o) => o.key)).toEqual([
      "trade-records/2026/03/04/a/execution-fills.jsonl",
      "trade-records/2026/03/04/b/left-over.jsonl",
      "trade-records/2026/03/04/manifest.json",
    ]);
    expect(await verifyExports(store)).toMatchObject({ days: ["2026-03-04"], files: 1, problems: [], warnings: [expect.stringMatching(/b\/left-over.jsonl: left by an export attempt/)] });
    objects.set("exports/trade-records/2026/03/04/a/execution-fills.jsonl", Buffer.from('{"fill_id":"f-2"}\n'));
    expect((await verifyExports(store)).problems).toEqual([expect.stringMatching(/execution-fills.jsonl: SHA-256 .* does not match/)]);
  });
});
