// Ships closed tape chunks to object storage (the trade tape's record in production) and, once a
// chunk is safely there and older than the hot window, frees its local copy. A chunk still being
// written is never touched; an upload is verified (size and checksum) before the local file may go;
// a chunk already archived with the same checksum is skipped, so a restart re-sends nothing.
import { readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../../shared/clock.js";
import { dayStartMs, DAY_MS } from "./paths.js";
import { sha256Hex, type ObjectStore } from "./object-store.js";

const CHUNK = /^(\d{4}-\d{2}-\d{2})\.\d{6}\.tape$/;

export interface TapeArchiverOptions {
  readonly dir: string;
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** The writer's open chunks (TapeWriter.openChunkPaths). */
  readonly openChunks: () => ReadonlySet<string>;
  /** Local copies of archived chunks whose day ended more than this long ago are deleted; null keeps them. */
  readonly keepLocalDays: number | null;
  readonly onArchived?: (key: string, bytes: number) => void;
  readonly onError?: (key: string, err: unknown) => void;
}

export interface ArchiveRun {
  readonly uploaded: number;
  readonly alreadyThere: number;
  readonly deletedLocally: number;
  readonly failed: number;
}

export class TapeArchiver {
  private running: Promise<ArchiveRun> | null = null;

  constructor(private readonly o: TapeArchiverOptions) {}

  /** One pass over the tape folder; concurrent calls share the pass in progress. */
  run(): Promise<ArchiveRun> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<ArchiveRun> {
    const result = { uploaded: 0, alreadyThere: 0, deletedLocally: 0, failed: 0 };
    const open = this.o.openChunks();
    let folders: string[];
    try {
      folders = await readdir(this.o.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return result;
      throw err;
    }
    for (const folder of folders.sort()) {
      let names: string[];
      try {
        names = await readdir(join(this.o.dir, folder));
      } catch {
        continue; // not a folder
      }
      for (const name of names.sort()) {
        const match = CHUNK.exec(name);
        const path = join(this.o.dir, folder, name);
        if (!match || open.has(path)) continue;
        const key = `tape/${folder}/${name}`;
        try {
          const body = await readFile(path);
          const sha256 = sha256Hex(body);
          const existing = await this.o.store.head(key);
          if (existing && existing.sha256 === sha256 && existing.sizeBytes === body.length) {
            result.alreadyThere += 1;
          } else {
            await this.o.store.put(key, body, sha256);
            const stored = await this.o.store.head(key);
            if (!stored || stored.sizeBytes !== body.length || stored.sha256 !== sha256) throw new Error(`archived copy of ${key} does not match (${stored?.sizeBytes ?? "none"} bytes, sha256 ${stored?.sha256 ?? "none"})`);
            result.uploaded += 1;
            this.o.onArchived?.(key, body.length);
          }
          const dayEndMs = dayStartMs(match[1] as string) + DAY_MS;
          if (this.o.keepLocalDays !== null && this.o.clock.nowMs() - dayEndMs > this.o.keepLocalDays * DAY_MS) {
            await unlink(path);
            result.deletedLocally += 1;
          }
        } catch (err) {
          result.failed += 1;
          this.o.onError?.(key, err);
        }
      }
    }
    return result;
  }
}
