// How much of a bucket sits in each storage class, from its lifecycle rules and a steady ingest: data
// written at a constant rate for `ageMonths` ages through Standard, then each transition's class, until
// it expires. Pure, so the lifecycle recommendation can price a different set of rules the same way.
import { DAYS_PER_MONTH, type PriceKey } from "./prices.js";

export type StorageClass = "STANDARD" | "STANDARD_IA" | "GLACIER_IR" | "DEEP_ARCHIVE";

export const STORAGE_CLASS_PRICE: Readonly<Record<StorageClass, PriceKey>> = {
  STANDARD: "s3.standard",
  STANDARD_IA: "s3.standard-ia",
  GLACIER_IR: "s3.glacier-ir",
  DEEP_ARCHIVE: "s3.deep-archive",
};

export interface Lifecycle {
  /** Transitions in ascending days. */
  readonly transitions: readonly { readonly days: number; readonly storageClass: StorageClass }[];
  readonly expirationDays: number | undefined;
}

/** Reads the enabled, whole-bucket rules of a BucketLifecycleConfiguration's inputs. */
export function lifecycleOf(rules: readonly unknown[], where: string): Lifecycle {
  const transitions: { days: number; storageClass: StorageClass }[] = [];
  let expirationDays: number | undefined;
  for (const rule of rules as readonly Record<string, unknown>[]) {
    if (rule.status !== "Enabled") continue;
    const filter = rule.filter as Record<string, unknown> | undefined;
    if (filter && Object.keys(filter).length > 0) throw new Error(`${where}: rule '${String(rule.id)}' filters objects; the storage model only knows whole-bucket rules`);
    for (const t of (rule.transitions ?? []) as Record<string, unknown>[]) {
      const storageClass = t.storageClass as string;
      if (!(storageClass in STORAGE_CLASS_PRICE)) throw new Error(`${where}: no price for storage class ${storageClass}`);
      if (typeof t.days !== "number") throw new Error(`${where}: transitions need days`);
      transitions.push({ days: t.days, storageClass: storageClass as StorageClass });
    }
    const expiration = (rule.expiration as Record<string, unknown> | undefined)?.days;
    if (typeof expiration === "number") expirationDays = Math.min(expirationDays ?? Infinity, expiration);
  }
  return { transitions: transitions.sort((a, b) => a.days - b.days), expirationDays };
}

/** GiB in each class after `ageMonths` of writing `ingestGiBPerMonth`. */
export function storedByClass(lifecycle: Lifecycle, ingestGiBPerMonth: number, ageMonths: number): Record<StorageClass, number> {
  const stored: Record<StorageClass, number> = { STANDARD: 0, STANDARD_IA: 0, GLACIER_IR: 0, DEEP_ARCHIVE: 0 };
  const expiresAt = lifecycle.expirationDays === undefined ? Infinity : lifecycle.expirationDays / DAYS_PER_MONTH;
  const bands: { from: number; to: number; storageClass: StorageClass }[] = [];
  let from = 0;
  let current: StorageClass = "STANDARD";
  for (const t of lifecycle.transitions) {
    bands.push({ from, to: t.days / DAYS_PER_MONTH, storageClass: current });
    from = t.days / DAYS_PER_MONTH;
    current = t.storageClass;
  }
  bands.push({ from, to: Infinity, storageClass: current });
  for (const band of bands) {
    // Data now aged between band.from and band.to months, if it is younger than the bucket and not expired.
    const lower = Math.min(band.from, ageMonths, expiresAt);
    const upper = Math.min(band.to, ageMonths, expiresAt);
    stored[band.storageClass] += ingestGiBPerMonth * Math.max(0, upper - lower);
  }
  return stored;
}
