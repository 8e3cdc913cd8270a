// The seed's service catalogue: names, ports and criticality (operations README, "Service Architecture").

export const SERVICE_NAMES = ["brain", "execution", "console", "scavenger", "ai-quant"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type Criticality = "critical" | "important" | "optional";

export interface ServiceSpec {
  readonly name: ServiceName;
  /** HTTP port from the seed; ai-quant is a job and listens on none. */
  readonly httpPort: number | null;
  /** PostgreSQL schema the service owns. */
  readonly schema: string;
  readonly criticality: Criticality;
  /** Path prefix under the NGINX entry point. */
  readonly ingressPrefix: string;
}

export const SERVICES: Readonly<Record<ServiceName, ServiceSpec>> = {
  brain: { name: "brain", httpPort: 3100, schema: "brain", criticality: "critical", ingressPrefix: "/api/brain/" },
  execution: { name: "execution", httpPort: 3002, schema: "execution", criticality: "critical", ingressPrefix: "/api/execution/" },
  console: { name: "console", httpPort: 3001, schema: "console", criticality: "important", ingressPrefix: "/" },
  scavenger: { name: "scavenger", httpPort: 8081, schema: "scavenger", criticality: "optional", ingressPrefix: "/api/scavenger/" },
  "ai-quant": { name: "ai-quant", httpPort: null, schema: "quant", criticality: "optional", ingressPrefix: "" },
};

/** `ai-quant` → `ai_quant`: the form used in metric names and database role names. */
export const snakeName = (service: ServiceName): string => service.replace(/-/g, "_");

/** Schemas shared by every service, written through one module each (audit log, API tokens). */
export const SHARED_SCHEMAS = ["audit", "auth"] as const;
