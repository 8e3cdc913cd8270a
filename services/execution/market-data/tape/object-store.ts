// Where closed tape chunks go for keeping: object storage in production (S3), a folder elsewhere. Both
// are write-once from the archiver's point of view: an object is written under its final key with its
// checksum, and an object that already exists with the same checksum is not written again.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

export interface StoredObject {
  readonly sizeBytes: number;
  /** Hex SHA-256 of the content, as recorded when it was written. */
  readonly sha256: string | null;
}

export interface ObjectStore {
  /** A description for logs: `s3://bucket/prefix` or `file:///path`. */
  readonly location: string;
  head(key: string): Promise<StoredObject | null>;
  put(key: string, body: Buffer, sha256: string): Promise<void>;
}

export const sha256Hex = (body: Buffer): string => createHash("sha256").update(body).digest("hex");

/** A folder as an object store; the checksum is kept beside each object (`<key>.sha256`). */
export class FolderObjectStore implements ObjectStore {
  readonly location: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = `file://${this.root}`;
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new RangeError(`object key escapes the store: ${key}`);
    return path;
  }

  async head(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    try {
      const { size } = await stat(path);
      const sha256 = await readFile(`${path}.sha256`, "utf8").then((s) => s.trim(), () => null);
      return { sizeBytes: size, sha256 };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async put(key: string, body: Buffer, sha256: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside and renamed: a reader never sees half an object.
    await writeFile(`${path}.partial`, body);
    await writeFile(`${path}.sha256`, `${sha256}\n`);
    await rename(`${path}.partial`, path);
  }
}

/** An S3 bucket (and key prefix) as the store; the checksum travels as S3's own SHA-256 check and as metadata. */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = "",
  ) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new RangeError(`not an S3 bucket name: ${bucket}`);
    this.location = `s3://${bucket}/${prefix}`;
  }

  private keyOf(key: string): string {
    return this.prefix ? `${this.prefix.replace(/\/+$/, "")}/${key}` : key;
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return { sizeBytes: out.ContentLength ?? 0, sha256: out.Metadata?.sha256 ?? null };
    } catch (err) {
      if (err instanceof NotFound || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw err;
    }
  }

  async put(key: string, body: Buffer, sha256: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.keyOf(key),
        Body: body,
        ContentType: "application/octet-stream",
        // S3 verifies the body against this before it stores anything.
        ChecksumSHA256: Buffer.from(sha256, "hex").toString("base64"),
        Metadata: { sha256 },
      }),
    );
  }
}

/** `s3://bucket/prefix` or a folder path (or `file:///path`) → its store. */
export function objectStoreFor(url: string, options: { s3Client?: S3Client } = {}): ObjectStore {
  if (url.startsWith("s3://")) {
    const [bucket = "", ...rest] = url.slice("s3://".length).split("/");
    return new S3ObjectStore(options.s3Client ?? new S3Client({}), bucket, rest.join("/"));
  }
  return new FolderObjectStore(url.startsWith("file://") ? url.slice("file://".length) : url);
}
