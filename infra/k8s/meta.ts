// Names, labels and quantities shared by every Kubernetes builder, so selectors always match.
import type { ServiceName } from "../../ops/index.js";

export const PART_OF = "titan";

export const selectorLabels = (service: ServiceName): Record<string, string> => ({
  "app.kubernetes.io/name": service,
  "app.kubernetes.io/part-of": PART_OF,
});

export const serviceLabels = (service: ServiceName, component: string): Record<string, string> => ({
  ...selectorLabels(service),
  "app.kubernetes.io/component": component,
  "app.kubernetes.io/managed-by": "pulumi",
});

export const metadata = (name: string, namespace: string, labels: Record<string, string> = {}, annotations?: Record<string, string>) => ({
  name,
  namespace,
  labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": "pulumi", ...labels },
  ...(annotations ? { annotations } : {}),
});

export const millicores = (value: number): string => `${value}m`;
export const mebibytes = (value: number): string => `${value}Mi`;
export const gibibytes = (value: number): string => `${value}Gi`;

/** The namespaces of the platform; a NetworkPolicy selects them by the label Kubernetes sets itself. */
export const NAMESPACES = {
  ingress: "ingress-nginx",
  monitoring: "monitoring",
  certManager: "cert-manager",
  externalSecrets: "external-secrets",
  keda: "keda",
  vpa: "vpa",
  cnpg: "cnpg-system",
} as const;

export const namespaceSelector = (namespace: string) => ({ matchLabels: { "kubernetes.io/metadata.name": namespace } });
