// Loads one ccxt pro exchange class and nothing else. `import("ccxt")` pulls in every exchange (~0.4 s,
// +80 MB RSS); the package's exports map forbids deep imports, but the class file imported by its
// resolved file URL works and keeps the process near its idle size (tooling.md). Only called when the
// live source is chosen, so synthetic and replay never load ccxt at all.

import { createRequire } from "node:module";
import { sep } from "node:path";
import { pathToFileURL } from "node:url";
import type ccxt from "ccxt";

export type BybitPro = InstanceType<typeof ccxt.pro.bybit>;
export type BybitProClass = new (config?: Record<string, unknown>) => BybitPro;

export const LIVE_EXCHANGES = ["bybit"] as const;
export type LiveExchangeId = (typeof LIVE_EXCHANGES)[number];

/** The folder ccxt is installed in, found through Node's own resolution. */
function ccxtPackageRoot(): string {
  const entry = createRequire(import.meta.url).resolve("ccxt");
  const marker = `${sep}node_modules${sep}ccxt${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot locate the ccxt package from ${entry}`);
  return entry.slice(0, at + marker.length);
}

export async function loadCcxtProClass(id: LiveExchangeId): Promise<BybitProClass> {
  if (!(LIVE_EXCHANGES as readonly string[]).includes(id)) throw new RangeError(`live market data: exchange ${String(id)} is not supported`);
  const url = pathToFileURL(`${ccxtPackageRoot()}js${sep}src${sep}pro${sep}${id}.js`).href;
  const module = (await import(url)) as { default: BybitProClass };
  return module.default;
}
