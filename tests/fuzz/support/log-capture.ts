// The log lines a service running in this process writes, captured instead of printed: the shared
// runtime gives its pino logger no destination option, so its stream is swapped (pino.symbols is
// pino's public handle on it). Child loggers (Fastify's per-request ones) share their root's stream.
import { pino, type Logger } from "pino";

export interface LogLine {
  readonly level: string;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export interface LogCapture {
  /** Every line since the last `take()`. */
  take(): string[];
  /** Lines at level error or fatal since the last `take()` (and takes them all). */
  takeErrors(): LogLine[];
}

const SEVERE = new Set(["error", "fatal"]);

export const parseLogLine = (line: string): LogLine => {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return { level: "unparsable", msg: line };
  }
};

export const captureServiceLogs = (logger: Logger): LogCapture => {
  const pending: string[] = [];
  const sink = {
    write(chunk: string): boolean {
      for (const line of chunk.split("\n")) {
        if (line === "") continue;
        pending.push(line);
      }
      return true;
    },
  };
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = sink;
  return {
    take: () => pending.splice(0),
    takeErrors: () =>
      pending
        .splice(0)
        .map(parseLogLine)
        .filter((l) => SEVERE.has(l.level) || l.level === "unparsable"),
  };
};
