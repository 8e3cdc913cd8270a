// A gateway in front of the Bybit simulator's REST API, as a CDN or load balancer stands in front of the
// real one: it passes requests through, answers 5xx itself while told to (the simulator's own faults
// are Bybit's error codes, not a failing gateway), and logs every order placement that reaches it, so a
// test can show that no order left execution while trading was restricted.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Paths that create an order on Bybit v5 (an amend or cancel is not a new order). */
const ORDER_CREATE_PATHS = ["/v5/order/create", "/v5/order/create-batch"];

export interface OrderAttempt {
  readonly path: string;
  readonly atMs: number;
  /** The gateway's own answer, when it failed the request instead of passing it on. */
  readonly failedWith: number | null;
}

export class VenueGateway {
  private server: Server | null = null;
  private failStatus: number | null = null;
  readonly orderAttempts: OrderAttempt[] = [];
  /** Requests the gateway failed itself. */
  failedRequests = 0;

  private constructor(private readonly upstream: URL) {}

  static async start(upstreamUrl: string): Promise<VenueGateway> {
    const gateway = new VenueGateway(new URL(upstreamUrl));
    const server = createServer((req, res) => gateway.handle(req, res));
    // ccxt keeps connections alive; a stop must not wait for them.
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    gateway.server = server;
    return gateway;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Answers every request with `status` (502, 503, 504 …) until `pass()`. */
  failWith(status: number): void {
    if (!(status >= 500 && status <= 599)) throw new RangeError(`a gateway failure is a 5xx status, got ${status}`);
    this.failStatus = status;
  }

  pass(): void {
    this.failStatus = null;
  }

  /** Order placements seen in [fromMs, toMs). */
  ordersBetween(fromMs: number, toMs: number): OrderAttempt[] {
    return this.orderAttempts.filter((a) => a.atMs >= fromMs && a.atMs < toMs);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const failing = this.failStatus;
    if (ORDER_CREATE_PATHS.includes(path)) this.orderAttempts.push({ path, atMs: Date.now(), failedWith: failing });
    if (failing !== null) {
      this.failedRequests += 1;
      req.resume();
      res.writeHead(failing, { "content-type": "text/html" }).end(`<html><body><h1>${failing}</h1>gateway error (injected)</body></html>`);
      return;
    }
    const upstream = httpRequest(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // The simulator dropping a connection (its hang and response-lost faults) reaches the client as the same drop.
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  }
}
