// A raw HTTP/1.1 client over a socket, for what fetch will not do: trickle bytes, lie about lengths,
// send oversized heads. Resolves with what the server wrote and when it closed.
import net from "node:net";

export interface RawExchange {
  /** Everything the server sent. */
  readonly response: string;
  /** The status code of the first response line, or null when the server sent none. */
  readonly status: number | null;
  /** Milliseconds from connecting until the server closed the connection (or we gave up). */
  readonly closedAfterMs: number;
  /** True when the server closed the connection; false when `giveUpMs` passed first. */
  readonly closedByServer: boolean;
  /** Bytes we managed to write before the server closed. */
  readonly bytesWritten: number;
}

export interface RawOptions {
  readonly port: number;
  /** Written at once on connect. */
  readonly head?: string | Buffer;
  /** Then written one chunk per `intervalMs`, until the server closes or the chunks run out. */
  readonly trickle?: { readonly chunks: Iterable<string | Buffer>; readonly intervalMs: number };
  readonly giveUpMs: number;
}

export const statusOf = (response: string): number | null => {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(response);
  return match ? Number(match[1]) : null;
};

export const rawExchange = (opts: RawOptions): Promise<RawExchange> =>
  new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(opts.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let bytesWritten = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      const response = Buffer.concat(chunks).toString("latin1");
      resolve({ response, status: statusOf(response), closedAfterMs: Date.now() - started, closedByServer, bytesWritten });
    };
    const giveUp = setTimeout(() => finish(false), opts.giveUpMs);
    const write = (data: string | Buffer): void => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(data);
      bytesWritten += Buffer.byteLength(data);
    };
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    socket.on("connect", () => {
      if (opts.head !== undefined) write(opts.head);
      if (opts.trickle) {
        const iterator = opts.trickle.chunks[Symbol.iterator]();
        timer = setInterval(() => {
          const next = iterator.next();
          if (next.done) clearInterval(timer);
          else write(next.value);
        }, opts.trickle.intervalMs);
      }
    });
  });

/** `text` one character at a time. */
export function* characters(text: string): Generator<string> {
  for (const c of text) yield c;
}

/** `count` copies of `chunk`. */
export function* repeated(chunk: string, count: number): Generator<string> {
  for (let i = 0; i < count; i += 1) yield chunk;
}
