// How many cases a fuzz run makes: a reduced count for `npm test`, TITAN_FUZZ_RUNS (≥ 10,000 in
// `npm run test:soak`) otherwise. TITAN_FUZZ_SEED replays a reported failure; TITAN_FUZZ_SHRINK=0 stops
// at the first failure instead of shrinking it (faster on a long soak); TITAN_FUZZ_ONLY (a regular
// expression) runs only the endpoints and channels whose names match; TITAN_FUZZ_VERBOSE=1 prints each
// endpoint's figures, as a long run does anyway.

/** Cases per endpoint (and per bus message kind) in `npm test`. */
export const DEFAULT_RUNS_PER_ENDPOINT = 40;

export interface FuzzRunSettings {
  readonly runsPerEndpoint: number;
  readonly seed?: number;
  readonly shrink: boolean;
  /** Runs only what this matches (`brain POST /override`, `execution group control-command`). */
  readonly only?: RegExp;
  /** Each endpoint's figures as it finishes: in a long run (more cases than `npm test` makes) or on request. */
  readonly showProgress: boolean;
  /** Test timeout that lets `runs` cases finish on a slow machine. */
  timeoutMs(casesInTest: number): number;
}

const positiveInt = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be an integer, got '${text}'`);
  return n;
};

export const fuzzRunSettings = (env: NodeJS.ProcessEnv = process.env): FuzzRunSettings => {
  const runs = positiveInt("TITAN_FUZZ_RUNS", env.TITAN_FUZZ_RUNS) ?? DEFAULT_RUNS_PER_ENDPOINT;
  if (runs < 1) throw new RangeError(`TITAN_FUZZ_RUNS must be at least 1, got ${runs}`);
  const seed = positiveInt("TITAN_FUZZ_SEED", env.TITAN_FUZZ_SEED);
  return {
    runsPerEndpoint: runs,
    ...(seed !== undefined ? { seed } : {}),
    ...(env.TITAN_FUZZ_ONLY ? { only: new RegExp(env.TITAN_FUZZ_ONLY) } : {}),
    shrink: env.TITAN_FUZZ_SHRINK !== "0",
    showProgress: runs > DEFAULT_RUNS_PER_ENDPOINT || env.TITAN_FUZZ_VERBOSE === "1",
    // A generous 50 ms a case on top of a minute: a soak must not die of its own timeout.
    timeoutMs: (casesInTest) => 60_000 + casesInTest * 50,
  };
};
