// mexc-simulator: runs the simulated MEXC spot v3 exchange for staging and manual testing.
//   npx tsx tools/mexc-simulator/cli.ts --port 9400 --seed 7 --feed-interval-ms 1000

import { Command, InvalidArgumentError } from "commander";
import { normalDraw, seededRandom } from "../sim-common/random.js";
import { startMexcSimulator } from "./simulator.js";

const integer = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return parsed;
};

const program = new Command()
  .name("mexc-simulator")
  .description("A MEXC spot v3 exchange simulator: the REST endpoints ccxt's mexc class uses for spot data and spot orders, backed by Titan's matching engine run as a spot book, with an admin API under /__sim (loopback only).")
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on (0 = any free port)", integer("--port"), 9400)
  .option("--seed <seed>", "seed of the price walk and of order ids", integer("--seed"), 1)
  .option("--feed-interval-ms <ms>", "random-walk price feed period (0 = off; set prices via POST /__sim/price)", integer("--feed-interval-ms"), 1000)
  .option("--balance-usdt <usdt>", "starting USDT balance", integer("--balance-usdt"), 100_000)
  .option("--api-key <key>", "API key the simulator accepts", "titan-mexc-sim-key")
  .option("--api-secret-env <name>", "environment variable holding the API secret (default secret: titan-mexc-sim-secret)")
  .option("--no-duplicate-check", "accept a repeated newClientOrderId (to test that the client never sends one)")
  .addHelpText(
    "after",
    `
Admin API (loopback only):
  GET  /__sim/state     balances, markets, orders, trades, faults
  POST /__sim/price     {"symbol":"BTCUSDT","priceUsd":61000,"qty"?:1,"takerSide"?:"sell"}
  POST /__sim/balance   {"asset":"BTC","amount":0.5}
  POST /__sim/faults    {"kind":"rate-limit|timeout|hang|response-lost","path"?:"/api/v3/order","count"?:1,"processed"?:false}
  POST /__sim/reset`,
  );

const opts = program.parse().opts<{ host: string; port: number; seed: number; feedIntervalMs: number; balanceUsdt: number; apiKey: string; apiSecretEnv?: string; duplicateCheck: boolean }>();
const secret = opts.apiSecretEnv ? process.env[opts.apiSecretEnv] : "titan-mexc-sim-secret";
if (!secret) {
  console.error(`mexc-simulator: ${opts.apiSecretEnv} is empty or unset`);
  process.exit(2);
}
const sim = await startMexcSimulator({ host: opts.host, port: opts.port, seed: opts.seed, balances: { USDT: opts.balanceUsdt }, credentials: [{ apiKey: opts.apiKey, secret }], duplicateCheck: opts.duplicateCheck });
let timer: NodeJS.Timeout | null = null;
if (opts.feedIntervalMs > 0) {
  const random = seededRandom(opts.seed ^ 0x5eed);
  timer = setInterval(() => {
    for (const [symbol, i] of sim.core.instruments) {
      const last = sim.core.engine.markets[symbol]?.lastPriceUsd ?? i.initialPriceUsd;
      sim.setPrice(symbol, last * Math.exp(0.0005 * normalDraw(random)), (1 + Math.floor(random() * 100)) * i.spec.minQty);
    }
  }, opts.feedIntervalMs);
}
process.stdout.write(`${JSON.stringify({ url: sim.url, apiKey: sim.credential.apiKey })}\n`);
const shutdown = () => {
  if (timer) clearInterval(timer);
  void sim.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
