// Every fixed port of the local stack, in one place. A port offset moves the whole set at once so a
// second stack (the end-to-end test) can run beside a developer's stack on the fixed ports.
import { SERVICES } from "../../ops/services.js";

const servicePort = (name: "brain" | "execution" | "console" | "scavenger"): number => {
  const port = SERVICES[name].httpPort;
  if (port === null) throw new Error(`service ${name} has no HTTP port`);
  return port;
};

export const BASE_PORTS = {
  postgres: 55432,
  redis: 56379,
  prometheus: 9090,
  alertmanager: 9093,
  pushgateway: 9091,
  nodeExporter: 9100,
  postgresExporter: 9187,
  redisExporter: 9121,
  nginxHttps: 8443,
  brain: servicePort("brain"),
  execution: servicePort("execution"),
  console: servicePort("console"),
  scavenger: servicePort("scavenger"),
  // ops/ gives ai-quant no port (the nightly job listens on none); its API process and the backup
  // scheduler are the stack's own long-running processes, so their ports are fixed here.
  aiQuantApi: 3003,
  backup: 3004,
} as const;

export type PortName = keyof typeof BASE_PORTS;
export type StackPorts = Readonly<Record<PortName, number>>;

const MIN_PORT = 1024;
const MAX_PORT = 65535;

/** The whole port set moved by `offset`; throws when any port would leave the unprivileged range. */
export const stackPorts = (offset = 0): StackPorts => {
  if (!Number.isInteger(offset)) throw new Error(`port offset must be an integer, got ${offset}`);
  const entries = Object.entries(BASE_PORTS).map(([name, port]) => [name, port + offset] as const);
  const bad = entries.filter(([, port]) => port < MIN_PORT || port > MAX_PORT);
  if (bad.length > 0) {
    const lowest = Math.min(...Object.values(BASE_PORTS));
    const highest = Math.max(...Object.values(BASE_PORTS));
    throw new Error(
      `port offset ${offset} moves ${bad.map(([n, p]) => `${n} to ${p}`).join(", ")} out of ${MIN_PORT}-${MAX_PORT}; ` +
        `use an offset between ${MIN_PORT - lowest} and ${MAX_PORT - highest}`,
    );
  }
  return Object.fromEntries(entries) as Record<PortName, number>;
};

/** Reads TITAN_STACK_PORT_OFFSET (default 0); a malformed value is an error, not a silent 0. */
export const portOffsetFromEnv = (env: NodeJS.ProcessEnv): number => {
  const raw = env.TITAN_STACK_PORT_OFFSET?.trim();
  if (raw === undefined || raw === "") return 0;
  if (!/^-?\d+$/.test(raw)) throw new Error(`TITAN_STACK_PORT_OFFSET must be an integer, got "${raw}"`);
  return Number(raw);
};
