// Which Redis snapshot a restore starts from, chosen from the repository's records. Pure.
import type { BackupRecord } from "./records.js";

export type SnapshotSelector = { readonly kind: "latest" } | { readonly kind: "id"; readonly id: string };

/** Parses `--snapshot`: a backup id, or `latest` (the default). */
export const parseSnapshotSelector = (value: string | undefined): SnapshotSelector => {
  if (value === undefined || value === "latest") return { kind: "latest" };
  if (!/^\d{8}T\d{9}Z-redis$/.test(value)) throw new Error(`--snapshot must be "latest" or a Redis snapshot's id such as 20260102T030405123Z-redis (see titanctl backup list --tier redis); got ${JSON.stringify(value)}`);
  return { kind: "id", id: value };
};

/** The snapshot to restore: the newest one, or the one named; a clear error when there is none. */
export const chooseSnapshot = (records: readonly BackupRecord[], selector: SnapshotSelector, rdbFileName: string): BackupRecord => {
  const snapshots = records.filter((r) => r.tier === "redis" && r.mechanism === "redis-snapshot" && r.files.some((f) => f.name === rdbFileName)).sort((a, b) => a.startedMs - b.startedMs);
  if (snapshots.length === 0) throw new Error("no Redis snapshot in the backup repository: take one with `titanctl backup run --tier redis`");
  if (selector.kind === "latest") return snapshots[snapshots.length - 1]!;
  const found = snapshots.find((r) => r.id === selector.id);
  if (!found) {
    const newest = snapshots.slice(-5).map((r) => r.id).reverse().join(", ");
    throw new Error(`no Redis snapshot ${selector.id} in the backup repository; the newest: ${newest}`);
  }
  return found;
};
