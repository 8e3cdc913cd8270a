// Per-symbol state lives in flat typed arrays indexed by symbol (and slot): no object per trade. When a
// new symbol outgrows them they are copied into larger ones, which happens a handful of times per run.

export function grownFloat64(array: Float64Array<ArrayBuffer>, length: number, fill: number): Float64Array<ArrayBuffer> {
  if (array.length >= length) return array;
  const next = new Float64Array(length).fill(fill);
  next.set(array);
  return next;
}

export function grownInt32(array: Int32Array<ArrayBuffer>, length: number, fill = 0): Int32Array<ArrayBuffer> {
  if (array.length >= length) return array;
  const next = new Int32Array(length).fill(fill);
  next.set(array);
  return next;
}

export function grownUint8(array: Uint8Array<ArrayBuffer>, length: number, fill = 0): Uint8Array<ArrayBuffer> {
  if (array.length >= length) return array;
  const next = new Uint8Array(length).fill(fill);
  next.set(array);
  return next;
}

/** Next capacity for `needed` entries: doubling, so growth stays amortised O(1). */
export function capacityFor(needed: number, current: number): number {
  let capacity = Math.max(8, current);
  while (capacity < needed) capacity *= 2;
  return capacity;
}
