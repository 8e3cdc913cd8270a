// The flags that point a backup or restore command at another repository, cluster or Redis than the
// stack's, turned into the backup target's overrides (shared by `titanctl backup|restore` and `restore redis`).
import type { TargetOverrides } from "../backup/adapters/target.js";

export interface TargetFlags {
  backupDir?: string;
  pgDataDir?: string;
  pgPort?: string;
  redisUrl?: string;
  redisDir?: string;
  pushgatewayUrl?: string;
  complianceDir?: string;
}

export const overridesOf = (f: TargetFlags): TargetOverrides => {
  const port = f.pgPort === undefined ? undefined : Number(f.pgPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) throw new Error(`--pg-port must be a port number, got ${JSON.stringify(f.pgPort)}`);
  return {
    ...(f.backupDir ? { backupDir: f.backupDir } : {}),
    ...(f.pgDataDir ? { pgDataDir: f.pgDataDir } : {}),
    ...(port !== undefined ? { pgPort: port } : {}),
    ...(f.redisUrl ? { redisUrl: f.redisUrl } : {}),
    ...(f.redisDir ? { redisDir: f.redisDir } : {}),
    ...(f.pushgatewayUrl ? { pushgatewayUrl: f.pushgatewayUrl } : {}),
    ...(f.complianceDir ? { complianceDir: f.complianceDir } : {}),
  };
};
