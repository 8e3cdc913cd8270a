// The one trading rule a stack the bench starts itself runs differently: the SOFT circuit breaker's
// loss streak. The bench alternates long and short orders per symbol so positions net out, and each
// closing fill loses the fees: three in a row trip SOFT (REDUCING for 30 minutes) within a second, and
// every later signal would be vetoed instead of timed. And its paper account starts with 1,000,000 USD
// instead of 10,000: post-only entries that time out unfilled leave the positions drifting, and at
// 10,000 USD phase 1 may hold 5,000 USD (weight 0.2 × modifier 0.5 × 5x), which a warm-up and one
// timed load use up. Everything else (HARD breaker, freshness, TTLs, risk caps) is as shipped. A stack the bench did not start keeps its own rules, and the bench reports
// the vetoes it meets.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const BENCH_BRAIN_PARAMETERS = {
  breaker: { softConsecutiveLosses: 1_000_000 },
} as const;

/** The paper account's starting wallet on the bench's own stack. */
export const BENCH_PAPER_BALANCE_USD = 1_000_000;

export const BENCH_BRAIN_PARAMETERS_NOTE =
  `the bench's own stack raises the SOFT breaker's loss streak to ${BENCH_BRAIN_PARAMETERS.breaker.softConsecutiveLosses.toLocaleString("en-US")} (its orders close at a fee loss) ` +
  `and starts the paper account with ${BENCH_PAPER_BALANCE_USD.toLocaleString("en-US")} USD (so unfilled entries' drift never uses up phase 1's allocation); every other rule as shipped`;

/** Writes the parameters file into `dir` and returns the environment that makes the brain read it and sets the paper wallet. */
export const benchBrainParametersEnv = (dir: string): NodeJS.ProcessEnv => {
  const file = join(dir, "bench-brain-parameters.json");
  writeFileSync(file, `${JSON.stringify(BENCH_BRAIN_PARAMETERS, null, 2)}\n`);
  return { TITAN_BRAIN_PARAMETERS_FILE: file, TITAN_EXECUTION_PAPER_BALANCE_USD: String(BENCH_PAPER_BALANCE_USD) };
};
