// One HTTPS request to a stack service, trusting the stack's CA (fetch cannot be given a CA).
import { request } from "node:https";

export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

export interface HttpsRequest {
  readonly method?: "GET" | "POST" | "DELETE";
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly json?: unknown;
  readonly ca: Buffer | string;
  readonly timeoutMs?: number;
}

export const httpsRequest = (url: string, r: HttpsRequest): Promise<HttpsAnswer> =>
  new Promise((resolve, reject) => {
    const body = r.json === undefined ? undefined : JSON.stringify(r.json);
    const req = request(
      url,
      {
        method: r.method ?? "GET",
        ca: r.ca,
        // The services' certificates name localhost; the bench dials 127.0.0.1.
        servername: "localhost",
        timeout: r.timeoutMs ?? 5_000,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...r.headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${r.method ?? "GET"} ${url} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
