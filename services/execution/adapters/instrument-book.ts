// The venue's instruments by symbol. Commands may name a symbol the venue's way (BTCUSDT, what execution
// publishes) or ccxt's unified way (BTC/USDT:USDT); both resolve to the venue's.

import type { Instrument } from "../domain/venue-types.js";

export class InstrumentBook {
  private readonly bySymbol = new Map<string, Instrument>();
  private readonly aliases = new Map<string, string>();

  constructor(instruments: readonly Instrument[] = []) {
    this.replace(instruments);
  }

  replace(instruments: readonly Instrument[]): void {
    this.bySymbol.clear();
    this.aliases.clear();
    for (const i of instruments) {
      this.bySymbol.set(i.symbol, i);
      this.aliases.set(`${i.baseAsset}/${i.quoteAsset}:${i.quoteAsset}`, i.symbol);
      this.aliases.set(`${i.baseAsset}/${i.quoteAsset}`, i.symbol);
    }
  }

  /** The venue symbol a command's symbol names; the input itself when unknown. */
  resolve(symbol: string): string {
    return this.bySymbol.has(symbol) ? symbol : (this.aliases.get(symbol) ?? symbol);
  }

  get(symbol: string): Instrument | undefined {
    return this.bySymbol.get(this.resolve(symbol));
  }

  symbols(): string[] {
    return [...this.bySymbol.keys()];
  }
}
