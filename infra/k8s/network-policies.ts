// Default-deny NetworkPolicies for the Titan namespace, then exactly the flows of DESIGN.md: the entry
// point to the HTTP services, Prometheus scraping, every service to PostgreSQL and Redis (the bus),
// execution to the exchanges, ai-quant to the Pushgateway, and DNS. Services never call each other.
import { SERVICES, SERVICE_NAMES, type ServiceName } from "../../ops/index.js";
import { NAMESPACES, namespaceSelector, selectorLabels } from "./meta.js";

/** Where a data service lives: outside the cluster (CIDRs) or in it (pods of a namespace). */
export type Peer =
  | { readonly kind: "cidrs"; readonly cidrs: readonly string[]; readonly port: number }
  | { readonly kind: "pods"; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>>; readonly port: number };

export interface NetworkPolicyInputs {
  readonly namespace: string;
  readonly postgres: Peer;
  readonly redis: Peer;
  readonly pushgateway: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>>; readonly port: number };
}

export interface NamedPolicy {
  readonly name: string;
  readonly spec: Record<string, unknown>;
}

const HTTPS_PORT = 443;
const DNS_PORT = 53;
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"];

const to = (peer: Peer) => ({
  to: peer.kind === "cidrs" ? peer.cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [{ namespaceSelector: namespaceSelector(peer.namespace), podSelector: { matchLabels: { ...peer.podLabels } } }],
  ports: [{ protocol: "TCP", port: peer.port }],
});

function servicePolicy(service: ServiceName, inputs: NetworkPolicyInputs): NamedPolicy {
  const port = SERVICES[service].httpPort;
  const ingress = port === null ? [] : [
    // The console and the APIs are reached only through the NGINX entry point.
    ...(SERVICES[service].ingressPrefix !== "" ? [{ from: [{ namespaceSelector: namespaceSelector(NAMESPACES.ingress) }], ports: [{ protocol: "TCP", port }] }] : []),
    { from: [{ namespaceSelector: namespaceSelector(NAMESPACES.monitoring) }], ports: [{ protocol: "TCP", port }] },
  ];
  const egress: unknown[] = [to(inputs.postgres), to(inputs.redis)];
  // Execution is the only exchange client: public HTTPS, never the private ranges.
  if (service === "execution") egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }], ports: [{ protocol: "TCP", port: HTTPS_PORT }] });
  if (service === "ai-quant") {
    const pg = inputs.pushgateway;
    egress.push({ to: [{ namespaceSelector: namespaceSelector(pg.namespace), podSelector: { matchLabels: { ...pg.podLabels } } }], ports: [{ protocol: "TCP", port: pg.port }] });
  }
  return {
    name: `${service}-flows`,
    spec: { podSelector: { matchLabels: selectorLabels(service) }, policyTypes: ["Ingress", "Egress"], ingress, egress },
  };
}

export function networkPolicies(inputs: NetworkPolicyInputs): NamedPolicy[] {
  return [
    { name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    {
      name: "allow-dns",
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{
          to: [{ namespaceSelector: namespaceSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [{ protocol: "UDP", port: DNS_PORT }, { protocol: "TCP", port: DNS_PORT }],
        }],
      },
    },
    ...SERVICE_NAMES.map((service) => servicePolicy(service, inputs)),
  ];
}
