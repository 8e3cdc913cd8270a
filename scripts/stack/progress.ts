// Progress lines with the time since the command started and the duration of each step.
export interface Progress {
  /** Seconds since the command started. */
  elapsedSeconds(): number;
  line(component: string, message: string): void;
  /** Runs one step, printing its outcome and duration; returns undefined (and records it) when it fails. */
  step<T>(component: string, run: () => Promise<T> | T, describe: (value: T) => string): Promise<T | undefined>;
  readonly failures: ReadonlyArray<{ component: string; message: string }>;
  fail(component: string, message: string): void;
}

export const createProgress = (write: (text: string) => void = (t) => process.stdout.write(t), now: () => number = () => performance.now()): Progress => {
  const startedMs = now();
  const failures: Array<{ component: string; message: string }> = [];
  const stamp = (): string => `[${((now() - startedMs) / 1000).toFixed(1).padStart(5)}s]`;
  const line = (component: string, message: string): void => write(`${stamp()} ${component.padEnd(17)} ${message}\n`);
  const fail = (component: string, message: string): void => {
    failures.push({ component, message });
    const [first, ...rest] = message.split("\n");
    line(component, `FAILED: ${first}`);
    for (const more of rest) write(`         ${" ".repeat(17)} ${more}\n`);
  };
  return {
    elapsedSeconds: () => (now() - startedMs) / 1000,
    line,
    failures,
    fail,
    async step(component, run, describe) {
      const t0 = now();
      try {
        const value = await run();
        line(component, `${describe(value)} (${((now() - t0) / 1000).toFixed(1)} s)`);
        return value;
      } catch (err) {
        fail(component, (err as Error).message);
        return undefined;
      }
    },
  };
};
