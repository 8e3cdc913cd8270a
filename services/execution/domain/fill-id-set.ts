// The fill ids a shadow state has applied, as an immutable set that grows one id at a time without
// copying: every version is a length over one shared, append-only log of ids. Adding to the newest
// version appends (O(1)); adding to an older one (its newer ids belonged to a transaction that rolled
// back) copies that version once and carries on from the copy. Versions never see ids past their length.

interface Log {
  readonly ids: string[];
  readonly at: Map<string, number>;
}

export class FillIdSet implements ReadonlySet<string> {
  private constructor(
    private readonly log: Log,
    readonly size: number,
  ) {}

  static of(ids: Iterable<string> = []): FillIdSet {
    const log: Log = { ids: [], at: new Map() };
    for (const id of ids) {
      if (log.at.has(id)) continue;
      log.at.set(id, log.ids.length);
      log.ids.push(id);
    }
    return new FillIdSet(log, log.ids.length);
  }

  has(id: string): boolean {
    const index = this.log.at.get(id);
    return index !== undefined && index < this.size;
  }

  /** This set and `id`; the set itself when it already holds it. */
  with(id: string): FillIdSet {
    if (this.has(id)) return this;
    if (this.size !== this.log.ids.length) return FillIdSet.of([...this, id]);
    this.log.at.set(id, this.size);
    this.log.ids.push(id);
    return new FillIdSet(this.log, this.size + 1);
  }

  /** The newest `count` ids, as a set of their own. */
  newest(count: number): FillIdSet {
    return FillIdSet.of(this.log.ids.slice(Math.max(0, this.size - count), this.size));
  }

  *values(): SetIterator<string> {
    for (let i = 0; i < this.size; i += 1) yield this.log.ids[i] as string;
  }

  keys(): SetIterator<string> {
    return this.values();
  }

  *entries(): SetIterator<[string, string]> {
    for (const id of this.values()) yield [id, id];
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  forEach(fn: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const id of this.values()) fn.call(thisArg, id, id, this);
  }
}

/** `set` and `id`, cheaply when `set` is a FillIdSet. */
export const withFillId = (set: ReadonlySet<string>, id: string): ReadonlySet<string> => (set instanceof FillIdSet ? set.with(id) : FillIdSet.of([...set, id]));
