// The production write-once store: the trade-records bucket of infra/aws/storage.ts (versioned, Object
// Lock in compliance mode, KMS). Each object is written with its own compliance-mode retention for the
// trade records' years from ops/, S3's SHA-256 check, and `If-None-Match: *`, so S3 itself refuses to
// put a second object under a key that exists.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client } from "@aws-sdk/client-s3";
import { RETENTION } from "../../../ops/index.js";
import { ObjectExistsError, type WormObject, type WormStore } from "./worm-store.js";
import { createHash } from "node:crypto";

/** Object Lock retention of one object written at `nowMs`: the trade records' retention from ops/. */
export const retainUntil = (nowMs: number): Date => {
  const d = new Date(nowMs);
  d.setUTCFullYear(d.getUTCFullYear() + RETENTION.tradingRecordsYears.value);
  return d;
};

export class S3WormStore implements WormStore {
  readonly description: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = "",
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new RangeError(`not an S3 bucket name: ${bucket}`);
    this.description = `s3://${bucket}/${prefix} (Object Lock, compliance mode)`;
  }

  private keyOf(key: string): string {
    return this.prefix ? `${this.prefix.replace(/\/+$/, "")}/${key}` : key;
  }

  async putOnce(key: string, body: Uint8Array): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.keyOf(key),
          Body: body,
          IfNoneMatch: "*",
          ChecksumSHA256: createHash("sha256").update(body).digest("base64"),
          ObjectLockMode: "COMPLIANCE",
          ObjectLockRetainUntilDate: retainUntil(this.nowMs()),
        }),
      );
    } catch (err) {
      // 412: the key exists (If-None-Match); 409: a concurrent conditional write won.
      const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
      if (status === 412 || status === 409) throw new ObjectExistsError(key, this.description);
      throw err;
    }
  }

  async list(prefix: string): Promise<WormObject[]> {
    const out: WormObject[] = [];
    const strip = this.prefix ? this.prefix.replace(/\/+$/, "").length + 1 : 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keyOf(prefix), ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key.slice(strip), bytes: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async get(key: string): Promise<Uint8Array> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
    if (!res.Body) throw new Error(`s3://${this.bucket}/${this.keyOf(key)} has no body`);
    return res.Body.transformToByteArray();
  }
}
