// Write-once storage for the compliance export. Production: the trade-records S3 bucket with Object
// Lock in compliance mode (infra/aws/storage.ts), see s3-worm-store.ts. Local stack: a folder whose
// files are created exclusively and made read-only (0444), so nothing is overwritten by accident.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync, fsyncSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";

export interface WormObject {
  readonly key: string;
  readonly bytes: number;
}

/** What the compliance export needs from write-once storage. */
export interface WormStore {
  /** Where the objects go, for messages. */
  readonly description: string;
  /** Stores `body` under `key`; rejects when the key exists (never overwrites). */
  putOnce(key: string, body: Uint8Array): Promise<void>;
  /** Objects whose key starts with `prefix`. */
  list(prefix: string): Promise<WormObject[]>;
  get(key: string): Promise<Uint8Array>;
}

export class ObjectExistsError extends Error {
  constructor(readonly key: string, where: string) {
    super(`${key} already exists in ${where}: write-once storage is never overwritten`);
  }
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

const checkKey = (key: string): void => {
  if (!KEY.test(key) || key.split("/").some((part) => part === "" || part === "." || part === "..")) throw new Error(`invalid object key ${JSON.stringify(key)}`);
};

export class LocalWormStore implements WormStore {
  readonly description: string;

  constructor(readonly root: string) {
    this.description = `local write-once folder ${root}`;
  }

  private path(key: string): string {
    checkKey(key);
    const full = normalize(join(this.root, key));
    if (!full.startsWith(`${normalize(this.root)}${sep}`)) throw new Error(`key ${key} escapes ${this.root}`);
    return full;
  }

  async putOnce(key: string, body: Uint8Array): Promise<void> {
    const file = this.path(key);
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o644); // O_EXCL: an existing file, even a read-only one, is never replaced
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new ObjectExistsError(key, this.description);
      throw err;
    }
    try {
      writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(file, 0o444);
  }

  async list(prefix: string): Promise<WormObject[]> {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { recursive: true })
      .map(String)
      .filter((name) => statSync(join(this.root, name)).isFile())
      .map((name) => relative(this.root, join(this.root, name)).split(sep).join("/"))
      .filter((key) => key.startsWith(prefix))
      .sort()
      .map((key) => ({ key, bytes: statSync(join(this.root, key)).size }));
  }

  async get(key: string): Promise<Uint8Array> {
    return readFileSync(this.path(key));
  }

  /** Files that are writable again (someone chmod'ed them): reported by the verifier. */
  writableKeys(keys: readonly string[]): string[] {
    return keys.filter((key) => (statSync(this.path(key)).mode & 0o222) !== 0);
  }
}
