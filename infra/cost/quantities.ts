// Kubernetes resource quantities ("500m", "2", "512Mi", "100Gi", "262144k") as numbers with units.

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Readonly<Record<string, number>> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, m: 1e-3 };
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P|m)?$/;
const GIB = 2 ** 30;

function parse(value: unknown, what: string): { readonly number: number; readonly suffix: string } {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string") throw new Error(`${what}: expected a Kubernetes quantity, got ${JSON.stringify(value)}`);
  const match = QUANTITY.exec(text.trim());
  if (!match) throw new Error(`${what}: '${text}' is not a Kubernetes quantity such as 500m, 2, 512Mi or 100Gi`);
  return { number: Number(match[1]), suffix: match[2] ?? "" };
}

/** CPU in cores: "500m" → 0.5, "2" → 2. */
export function cpuCores(value: unknown, what = "cpu"): number {
  const { number, suffix } = parse(value, what);
  if (suffix === "m") return number / 1000;
  if (suffix === "") return number;
  throw new Error(`${what}: '${String(value)}' is not a CPU quantity (cores or millicores)`);
}

/** Bytes of a memory or storage quantity: "512Mi", "2Gi", "262144k", "1e9" style plain numbers. */
export function bytes(value: unknown, what = "quantity"): number {
  const { number, suffix } = parse(value, what);
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  if (factor === undefined || suffix === "m") throw new Error(`${what}: '${String(value)}' is not a byte quantity`);
  return number * factor;
}

export const gibibytes = (value: unknown, what?: string): number => bytes(value, what) / GIB;
export const BYTES_PER_GIB = GIB;
