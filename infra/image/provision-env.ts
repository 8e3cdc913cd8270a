// The database provisioning Job's environment: its names, shared by the program in the image
// (provision-database.ts) and the Job that sets them (k8s/db-provision.ts). No dependencies, so the
// Pulumi program imports it without loading the database code.
import { snakeName, type ServiceName } from "../../ops/services.js";

export const PROVISION_ENV = {
  host: "TITAN_DATABASE_HOST",
  port: "TITAN_DATABASE_PORT",
  database: "TITAN_DATABASE_NAME",
  maintenanceDatabase: "TITAN_DATABASE_MAINTENANCE_NAME",
  ssl: "TITAN_DATABASE_SSL",
  adminUserFile: "TITAN_DATABASE_ADMIN_USER_FILE",
  adminPasswordFile: "TITAN_DATABASE_ADMIN_PASSWORD_FILE",
  monitorRole: "TITAN_DATABASE_MONITOR_ROLE",
  monitorPasswordFile: "TITAN_DATABASE_MONITOR_PASSWORD_FILE",
} as const;

/** The file holding a service's database password: `TITAN_DATABASE_PASSWORD_AI_QUANT_FILE`. */
export const servicePasswordVar = (service: ServiceName): string => `TITAN_DATABASE_PASSWORD_${snakeName(service).toUpperCase()}_FILE`;
