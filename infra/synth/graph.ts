// The resource graph of one mocked run, as plain sorted data: every registration (custom resources,
// components, explicit providers) with its type, name, parent and inputs, secrets redacted. This is
// what resources.json holds, what the policy pack checks and what the cost estimator prices.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface GraphResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** URN of the parent component, when there is one. */
  readonly parent: string | undefined;
  /** Custom resources exist in a cloud; components only group them. */
  readonly custom: boolean;
  /** URN of the explicit provider the resource uses (its region or cluster), when there is one. */
  readonly provider: string | undefined;
  /** URNs it waits for (explicit dependsOn and the resources its inputs come from), sorted. */
  readonly dependsOn: readonly string[];
  readonly inputs: { readonly [key: string]: Json };
}

export const REDACTED = "[secret]";
export const UNKNOWN = "[unknown]";

// Pulumi's wire markers (runtime/rpc.js): a special-signature key, the secret and resource
// signatures, and the string that stands for a value not known yet.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A secret keeps its shape (keys, list lengths) so manifests stay valid; every leaf becomes "[secret]". */
function redact(value: unknown): Json {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return redact(record.value);
    return Object.fromEntries(Object.keys(record).sort().map((key) => [key, redact(record[key])]));
  }
  return REDACTED;
}

/** Plain JSON from a registration's wire form: secrets redacted, references → their URN, keys sorted. */
export function plain(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value === UNKNOWN_VALUE ? UNKNOWN : value;
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const sig = record[SIG_KEY];
    if (sig === SECRET_SIG) return redact(record.value);
    if (sig === RESOURCE_SIG) return { resourceRef: plain(record.urn) };
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(record).sort()) out[key] = plain(record[key]);
    return out;
  }
  return String(value);
}

/** Stable order: by URN, which names type, parent chain and name. */
export const sortResources = (resources: readonly GraphResource[]): GraphResource[] => [...resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getObject(): { toJavaScript(): unknown } | undefined;
}

interface RegisterResponse {
  getUrn(): string;
}

type Callback = (err: unknown, response: RegisterResponse | undefined) => void;

export interface MonitorLike {
  registerResource(request: RegisterRequest, callback: Callback): unknown;
}

const providerUrn = (reference: string): string | undefined => (reference === "" ? undefined : reference.split("::").slice(0, -1).join("::"));

/** Wraps the mock monitor so every registration is recorded once it has its URN. */
export function recordRegistrations(monitor: MonitorLike): { resources(): GraphResource[] } {
  const recorded: GraphResource[] = [];
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    original(request, (err, response) => {
      if (!err && response) {
        const inputs = plain(request.getObject()?.toJavaScript() ?? {});
        recorded.push({
          urn: response.getUrn(),
          type: request.getType(),
          name: request.getName(),
          parent: request.getParent() === "" ? undefined : request.getParent(),
          custom: request.getCustom(),
          provider: providerUrn(request.getProvider()),
          dependsOn: [...new Set(request.getDependenciesList())].sort(),
          inputs: inputs !== null && typeof inputs === "object" && !Array.isArray(inputs) ? inputs : {},
        });
      }
      callback(err, response);
    });
  return { resources: () => sortResources(recorded) };
}
