// Calls to the other services' HTTP APIs, on an operator's behalf (the session's delegated token) so
// that each service checks the operator's role itself and records the operator in its own audit trail.
export interface UpstreamAnswer {
  readonly status: number;
  /** Parsed JSON, or the text when the answer was not JSON. */
  readonly body: unknown;
}

export class UpstreamUnavailable extends Error {
  constructor(
    readonly service: string,
    cause: string,
  ) {
    super(`${service} did not answer: ${cause}`);
  }
}

export interface UpstreamRequest {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly token: string | null;
  readonly body?: unknown;
  readonly timeoutMs: number;
  readonly accept?: string;
}

export const callUpstream = async (service: string, baseUrl: string, req: UpstreamRequest): Promise<UpstreamAnswer> => {
  const headers: Record<string, string> = { accept: req.accept ?? "application/json" };
  if (req.token !== null) headers.authorization = `Bearer ${req.token}`;
  if (req.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${req.path}`, {
      method: req.method,
      headers,
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(req.timeoutMs),
      redirect: "error",
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new UpstreamUnavailable(service, e.name === "TimeoutError" ? `no answer within ${req.timeoutMs} ms` : (e.cause?.code ?? e.message));
  }
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  let body: unknown = text;
  if (/json/.test(type) && text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body };
};

/** The detail of a problem+json answer, or a short description of any other. */
export const answerDetail = (a: UpstreamAnswer): string => {
  const b = a.body as { detail?: unknown; title?: unknown } | null;
  if (b !== null && typeof b === "object" && typeof b.detail === "string") return b.detail;
  if (typeof a.body === "string" && a.body.length > 0) return a.body.slice(0, 300);
  return `HTTP ${a.status}`;
};
