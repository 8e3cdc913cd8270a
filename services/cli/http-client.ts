// A small HTTPS client for titanctl: trusts the stack's own certificate authority, sends the bearer
// token, and turns problem+json answers into readable errors.
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly latencyMs: number;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** PEM file of the certificate authority to trust for https URLs. */
  readonly caFile?: string;
  readonly timeoutMs?: number;
}

export const send = (url: string, opts: RequestOptions = {}): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const target = new URL(url);
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { accept: "application/json", ...opts.headers };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      // Without a length Node sends a chunked body, which some methods (DELETE) may not carry.
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    const ca = target.protocol === "https:" && opts.caFile ? readFileSync(opts.caFile) : undefined;
    const req = (target.protocol === "https:" ? httpsRequest : httpRequest)(
      target,
      { method: opts.method ?? "GET", headers, timeout: opts.timeoutMs ?? 5_000, ...(ca ? { ca, minVersion: "TLSv1.3" as const } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), latencyMs: performance.now() - started }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${opts.timeoutMs ?? 5_000} ms`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });

export class ApiError extends Error {
  constructor(readonly status: number, readonly detail: string) {
    super(`HTTP ${status}: ${detail}`);
  }
}

/** Sends a request and parses JSON; a non-2xx answer becomes an ApiError carrying the problem's detail. */
export const callJson = async <T>(url: string, opts: RequestOptions = {}): Promise<T> => {
  const answer = await send(url, opts);
  let parsed: unknown;
  try {
    parsed = answer.body.length > 0 ? JSON.parse(answer.body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new ApiError(answer.status, describeProblem(parsed, answer.body));
  }
  return parsed as T;
};

/** A problem+json answer as text: its detail, then one line per listed field problem. */
export const describeProblem = (parsed: unknown, body: string): string => {
  const problem = (parsed ?? {}) as { detail?: string; title?: string; errors?: { path: string; message: string }[] };
  const head = problem.detail ?? problem.title ?? body.slice(0, 200);
  const lines = (problem.errors ?? []).map((e) => `  ${e.path}: ${e.message}`);
  return lines.length > 0 ? `${head}\n${lines.join("\n")}` : head;
};
