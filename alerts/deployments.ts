// Where the catalogue is deployed and what each place runs itself. An alert that needs a capability
// a deployment lacks is left out of that deployment's rules: prod's PostgreSQL is RDS, which archives
// its own WAL every ~5 minutes (so "no WAL archived for 1 minute" would always fire there), and prod's
// backups are AWS Backup, not the backup scheduler that pushes titan_backup_*.
import type { AlertRule, Capability } from "./model.js";

export type Deployment = "local" | "dev" | "prod";

export const DEPLOYMENTS: readonly Deployment[] = ["local", "dev", "prod"];

export const DEPLOYMENT_CAPABILITIES: Readonly<Record<Deployment, readonly Capability[]>> = {
  // npm start: PostgreSQL archives WAL through the backup adapter's archive_command; PM2 runs the scheduler.
  local: ["self-managed-wal-archiving", "backup-scheduler"],
  // CloudNativePG archives WAL with barman; backups are its ScheduledBackups, not the scheduler.
  dev: ["self-managed-wal-archiving"],
  // RDS and AWS Backup do both, and report through CloudWatch, not Prometheus.
  prod: [],
};

export const isDeployment = (value: string): value is Deployment => (DEPLOYMENTS as readonly string[]).includes(value);

/** True when every capability the alert needs is one the deployment has. */
export const appliesTo = (alert: Pick<AlertRule, "requires">, deployment: Deployment): boolean =>
  alert.requires.every((capability) => DEPLOYMENT_CAPABILITIES[deployment].includes(capability));
