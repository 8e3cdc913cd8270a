// The scavenger's configuration API as AI Quant calls it: read the active version, find a version made
// from a proposal, create a version, activate it. Every call carries a bearer credential chosen by the
// caller (the approving operator's own token: the scavenger then checks, and audits, the operator
// themselves). An answer other than the expected one becomes a ScavengerApiError with the problem's text.

export interface ScavengerVersion {
  readonly version: number;
  readonly proposalId: string | null;
  readonly active: boolean;
}

export interface ScavengerActivation {
  readonly version: number;
  readonly previousVersion: number | null;
  readonly action: "activated" | "rolled-back";
  readonly appliedVersion: number | null;
}

export class ScavengerApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`the scavenger answered ${status}: ${detail}`);
    this.name = "ScavengerApiError";
  }
}

export interface ScavengerConfigClient {
  activeVersion(credential: string): Promise<number | null>;
  versions(credential: string): Promise<ScavengerVersion[]>;
  createVersion(credential: string, body: { parameters: unknown; reason: string; proposalId: string }): Promise<number>;
  activate(credential: string, version: number, reason: string): Promise<ScavengerActivation>;
}

type Fetch = typeof fetch;

/** `baseUrl` is where the scavenger serves its own paths (http://127.0.0.1:8081 locally). */
export function scavengerConfigClient(baseUrl: string, options: { timeoutMs?: number; fetchImpl?: Fetch } = {}): ScavengerConfigClient {
  const root = baseUrl.replace(/\/$/, "");
  const doFetch = options.fetchImpl ?? fetch;
  const call = async <T>(credential: string, method: "GET" | "POST", path: string, body?: unknown, expect: readonly number[] = [200]): Promise<{ status: number; json: T }> => {
    const res = await doFetch(`${root}${path}`, {
      method,
      headers: { authorization: `Bearer ${credential}`, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!expect.includes(res.status)) {
      const problem = (json ?? {}) as { detail?: string; title?: string };
      throw new ScavengerApiError(res.status, problem.detail ?? problem.title ?? text.slice(0, 200));
    }
    return { status: res.status, json: json as T };
  };
  return {
    activeVersion: async (credential) => {
      const { json } = await call<{ activeVersion: number | null }>(credential, "GET", "/config/versions");
      return json.activeVersion;
    },
    versions: async (credential) => {
      const { json } = await call<{ versions: ScavengerVersion[] }>(credential, "GET", "/config/versions");
      return json.versions.map((v) => ({ version: v.version, proposalId: v.proposalId, active: v.active }));
    },
    createVersion: async (credential, body) => {
      const { json } = await call<{ version: number }>(credential, "POST", "/config/versions", body, [201]);
      return json.version;
    },
    activate: async (credential, version, reason) => {
      const { json } = await call<ScavengerActivation>(credential, "POST", `/config/versions/${version}/activate`, { reason });
      return json;
    },
  };
}
