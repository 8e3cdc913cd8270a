// AWS Backup plan with the seed's backup strategy (ops/BACKUP_SCHEDULE): continuous backups of the
// trading data, hourly snapshots of configuration and state, daily full backups and weekly archives,
// the daily and weekly ones copied to a vault in the backup region. Volumes tagged for backup (the
// trade tape) are covered by the same plan.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SCHEDULE } from "../../ops/index.js";
import { kmsKey, serviceTrust, tagsFor } from "./common.js";
import { backupCron, secondsToDays } from "./recovery.js";

/** EBS volumes carrying this tag (set by the stack's StorageClass) join the plan. */
export const BACKUP_TAG = { key: "titan-backup", value: "true" } as const;

export interface BackupsArgs {
  readonly stack: string;
  readonly databaseArn: pulumi.Input<string>;
  readonly backupRegion: aws.Provider;
}

export class Backups extends pulumi.ComponentResource {
  readonly planId: pulumi.Output<string>;

  constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:aws:Backups", name, {}, opts);
    const child = { parent: this };
    const tags = tagsFor(args.stack, "backups");
    const vault = new aws.backup.Vault(`${name}-vault`, { name: `titan-${args.stack}`, kmsKeyArn: kmsKey(`${name}-vault`, "AWS Backup vault", tags, child).arn, tags }, child);
    const remote = { parent: this, provider: args.backupRegion };
    const copyVault = new aws.backup.Vault(`${name}-copy-vault`, {
      name: `titan-${args.stack}-copies`, kmsKeyArn: kmsKey(`${name}-copy-vault`, "AWS Backup cross-region copies", tags, remote).arn, tags,
    }, remote);
    const s = BACKUP_SCHEDULE;
    const copy = (retentionSeconds: number) => [{ destinationVaultArn: copyVault.arn, lifecycle: { deleteAfter: secondsToDays(retentionSeconds) } }];
    const plan = new aws.backup.Plan(`${name}-plan`, {
      name: `titan-${args.stack}`,
      rules: [
        {
          ruleName: "continuous",
          targetVaultName: vault.name,
          enableContinuousBackup: true,
          schedule: backupCron(s.dailyFull.intervalSeconds),
          lifecycle: { deleteAfter: secondsToDays(s.continuousReplication.retentionSeconds) },
        },
        { ruleName: "hourly", targetVaultName: vault.name, schedule: backupCron(s.hourlySnapshot.intervalSeconds), lifecycle: { deleteAfter: secondsToDays(s.hourlySnapshot.retentionSeconds) } },
        {
          ruleName: "daily", targetVaultName: vault.name, schedule: backupCron(s.dailyFull.intervalSeconds),
          lifecycle: { deleteAfter: secondsToDays(s.dailyFull.retentionSeconds) }, copyActions: copy(s.dailyFull.retentionSeconds),
        },
        {
          ruleName: "weekly", targetVaultName: vault.name, schedule: backupCron(s.weeklyArchive.intervalSeconds),
          lifecycle: { deleteAfter: secondsToDays(s.weeklyArchive.retentionSeconds) }, copyActions: copy(s.weeklyArchive.retentionSeconds),
        },
      ],
      tags,
    }, child);
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: serviceTrust("backup.amazonaws.com"), tags }, child);
    for (const policy of ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"]) {
      new aws.iam.RolePolicyAttachment(`${name}-${policy}`, { role: role.name, policyArn: `arn:aws:iam::aws:policy/service-role/${policy}` }, child);
    }
    new aws.backup.Selection(`${name}-database`, { name: "database", planId: plan.id, iamRoleArn: role.arn, resources: [args.databaseArn] }, child);
    new aws.backup.Selection(`${name}-volumes`, {
      name: "tagged-volumes", planId: plan.id, iamRoleArn: role.arn,
      selectionTags: [{ type: "STRINGEQUALS", key: BACKUP_TAG.key, value: BACKUP_TAG.value }],
    }, child);
    this.planId = plan.id;
    this.registerOutputs({ planId: this.planId });
  }
}
