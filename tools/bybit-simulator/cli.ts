// bybit-simulator: runs the simulated Bybit v5 exchange for staging and manual testing.
//   npx tsx tools/bybit-simulator/cli.ts --port 9300 --seed 7 --feed-interval-ms 1000

import { Command, InvalidArgumentError } from "commander";
import { startBybitSimulator } from "./simulator.js";

const integer = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return parsed;
};

const program = new Command()
  .name("bybit-simulator")
  .description(
    "A Bybit v5 exchange simulator: the REST endpoints and private/public WebSocket streams ccxt's bybit class uses, " +
      "backed by Titan's matching engine, with an admin API under /__sim (loopback only) for prices, positions, faults and restarts.",
  )
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on (0 = any free port)", integer("--port"), 9300)
  .option("--seed <seed>", "seed of the price walk and of order ids", integer("--seed"), 1)
  .option("--feed-interval-ms <ms>", "random-walk price feed period (0 = off; set prices via POST /__sim/price)", integer("--feed-interval-ms"), 1000)
  .option("--balance-usd <usd>", "starting USDT wallet balance", integer("--balance-usd"), 100_000)
  .option("--api-key <key>", "API key the simulator accepts", "titan-sim-key")
  .option("--api-secret-env <name>", "environment variable holding the API secret (default secret: titan-sim-secret)")
  .option("--duplicate-code <code>", "retCode for a repeated orderLinkId: 30001 or 110072", integer("--duplicate-code"), 30001)
  .option("--no-duplicate-check", "accept a repeated orderLinkId (to test that the client never sends one)")
  .option("--no-rate-limits", "switch off Bybit's request limits (10 creates/s, 120 requests/s per key)")
  .addHelpText(
    "after",
    `
Admin API (loopback only):
  GET    /__sim/state                 everything the exchange holds
  POST   /__sim/price                 {"symbol":"BTCUSDT","priceUsd":61000,"qty"?:1,"takerSide"?:"sell"}
  POST   /__sim/position              {"symbol":"BTCUSDT","side":"long","qty":0.5,"entryPriceUsd":60000,"notify"?:false}
  POST   /__sim/balance               {"amountUsd":1000}
  POST   /__sim/faults                {"kind":"rate-limit|timeout|hang|response-lost","path"?:"/v5/order/create","count"?:1,"processed"?:false,"hangMs"?:30000}
  DELETE /__sim/faults
  POST   /__sim/duplicate-check       {"enabled":false,"retCode"?:110072}
  POST   /__sim/websockets/drop       {"which"?:"private|public|all"}
  POST   /__sim/restart               {"resetState"?:false,"downtimeMs"?:0}
  POST   /__sim/feed                  {"intervalMs":1000}   (0 stops it)`,
  );

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{
    host: string;
    port: number;
    seed: number;
    feedIntervalMs: number;
    balanceUsd: number;
    apiKey: string;
    apiSecretEnv?: string;
    duplicateCode: number;
    duplicateCheck: boolean;
    rateLimits: boolean;
  }>();
  const duplicateCode = opts.duplicateCode;
  if (duplicateCode !== 30001 && duplicateCode !== 110072) return program.error("--duplicate-code must be 30001 or 110072");
  let secret = "titan-sim-secret";
  if (opts.apiSecretEnv) {
    const fromEnv = process.env[opts.apiSecretEnv];
    if (!fromEnv) return program.error(`environment variable ${opts.apiSecretEnv} is empty or unset`);
    secret = fromEnv;
  }
  const simulator = await startBybitSimulator({
    host: opts.host,
    port: opts.port,
    seed: opts.seed,
    feedIntervalMs: opts.feedIntervalMs,
    initialBalanceUsd: opts.balanceUsd,
    credentials: [{ apiKey: opts.apiKey, secret }],
    duplicateCheck: opts.duplicateCheck,
    duplicateOrderLinkIdCode: duplicateCode,
    ...(opts.rateLimits ? {} : { rateLimits: false as const }),
  });
  process.stdout.write(
    `${JSON.stringify({ url: simulator.url, privateWsUrl: simulator.privateWsUrl, publicWsUrl: simulator.publicWsUrl, apiKey: opts.apiKey, admin: `${simulator.url}/__sim/state` })}\n`,
  );
  const shutdown = () => {
    void simulator.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
