// `titan provision-database` (the image's entry point): the Kubernetes Job that provisions the managed
// PostgreSQL before the services roll out. Configuration from the environment, secrets from mounted
// files (`<VAR>_FILE`, never values); `--help` lists them. Exits 1 with the reason on any failure.
import { readFileSync } from "node:fs";
import { SERVICE_NAMES, type ServiceName } from "../../ops/services.js";
import { PROVISION_ENV, servicePasswordVar } from "./provision-env.js";
import { provisionTarget, type ProvisionTarget } from "./provision.js";

export { PROVISION_ENV, servicePasswordVar } from "./provision-env.js";

const HELP = [
  "usage: provision-database",
  "Provisions the managed PostgreSQL for Titan: database, service roles and schemas, audit and auth,",
  "the metrics exporter's role, then every service's migrations (run as that service). Idempotent.",
  "",
  "environment:",
  `  ${PROVISION_ENV.host}, ${PROVISION_ENV.port} (default 5432), ${PROVISION_ENV.database}`,
  `  ${PROVISION_ENV.maintenanceDatabase} (default postgres), ${PROVISION_ENV.ssl} (true|false, default true)`,
  `  ${PROVISION_ENV.adminUserFile}, ${PROVISION_ENV.adminPasswordFile}: the admin login, from files`,
  `  ${PROVISION_ENV.monitorRole}, ${PROVISION_ENV.monitorPasswordFile}: the exporter's login`,
  ...SERVICE_NAMES.map((s) => `  ${servicePasswordVar(s)}: ${s}'s password`),
  "",
].join("\n");

/** Reads and checks the configuration; every problem is reported at once. */
export const readProvisionConfig = (env: NodeJS.ProcessEnv, readFile: (path: string) => string = (p) => readFileSync(p, "utf8")): ProvisionTarget => {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set`);
    return value ?? "";
  };
  const secret = (name: string): string => {
    const path = required(name);
    if (!path) return "";
    try {
      const value = readFile(path).trim();
      if (value === "") problems.push(`${name}: ${path} is empty`);
      return value;
    } catch (err) {
      problems.push(`${name}: cannot read ${path} (${(err as Error).message})`);
      return "";
    }
  };
  const portText = env[PROVISION_ENV.port]?.trim() || "5432";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) problems.push(`${PROVISION_ENV.port} must be a port number, got '${portText}'`);
  const sslText = env[PROVISION_ENV.ssl]?.trim() || "true";
  if (sslText !== "true" && sslText !== "false") problems.push(`${PROVISION_ENV.ssl} must be true or false, got '${sslText}'`);
  const target: ProvisionTarget = {
    host: required(PROVISION_ENV.host),
    port,
    database: required(PROVISION_ENV.database),
    maintenanceDatabase: env[PROVISION_ENV.maintenanceDatabase]?.trim() || "postgres",
    ssl: sslText !== "false",
    admin: { user: secret(PROVISION_ENV.adminUserFile), password: secret(PROVISION_ENV.adminPasswordFile) },
    servicePasswords: Object.fromEntries(SERVICE_NAMES.map((s) => [s, secret(servicePasswordVar(s))])) as Record<ServiceName, string>,
    monitor: { role: required(PROVISION_ENV.monitorRole), password: secret(PROVISION_ENV.monitorPasswordFile) },
  };
  if (problems.length > 0) throw new Error(`provision-database: ${problems.join("; ")}`);
  return target;
};

const main = async (argv: readonly string[]): Promise<number> => {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  try {
    const target = readProvisionConfig(process.env);
    await provisionTarget(target, log);
    log("done");
    return 0;
  } catch (err) {
    process.stderr.write(`provision-database failed: ${(err as Error).message}\n`);
    return 1;
  }
};

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await main(process.argv.slice(2));
}
