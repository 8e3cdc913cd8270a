// Listening and stopping: the server file stays a shell that listens, and closes gracefully on a signal.
import type { FastifyInstance } from "fastify";

/** Listens and returns the port actually bound (differs from `port` when that is 0). */
export const listen = async (server: FastifyInstance, host: string, port: number): Promise<number> => {
  await server.listen({ host, port });
  const address = server.server.address();
  return typeof address === "object" && address !== null ? address.port : port;
};

/**
 * Stops accepting connections and waits for requests in flight; after `timeoutMs` the remaining
 * connections are cut. Resolves true when everything finished in time.
 */
export const closeGracefully = async (server: FastifyInstance, timeoutMs = 10_000): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  // A keep-alive connection whose request finished after close began would otherwise linger until
  // its keep-alive timeout: close connections as soon as they go idle.
  const reaper = setInterval(() => server.server.closeIdleConnections(), 50);
  try {
    const clean = await Promise.race([server.close().then(() => true as const), timedOut]);
    if (!clean) server.server.closeAllConnections();
    return clean;
  } finally {
    clearTimeout(timer);
    clearInterval(reaper);
  }
};

export interface SignalOptions {
  readonly timeoutMs?: number;
  readonly signals?: readonly NodeJS.Signals[];
  /** Runs after the server closed (or timed out), e.g. to close the database, then exits. */
  readonly onClosed?: (clean: boolean) => Promise<void> | void;
  readonly exit?: (code: number) => void;
}

/** Closes the server on SIGTERM/SIGINT and exits (0 when clean); returns a function that detaches the handlers. */
export const closeOnSignals = (server: FastifyInstance, opts: SignalOptions = {}): (() => void) => {
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    server.log.info({ signal }, "closing the HTTP server");
    void closeGracefully(server, opts.timeoutMs)
      .then(async (clean) => {
        await opts.onClosed?.(clean);
        exit(clean ? 0 : 1);
      })
      .catch((err: unknown) => {
        server.log.error({ err }, "graceful close failed");
        exit(1);
      });
  };
  for (const signal of signals) process.once(signal, handler);
  return () => {
    for (const signal of signals) process.removeListener(signal, handler);
  };
};
