// Each deployment gets the alerts that mean something there, decided by the alerts' own `requires`:
// prod (RDS, AWS Backup) has no WAL archiver or backup scheduler of ours, dev has CloudNativePG's archiver.
import { describe, expect, it } from "vitest";
import { buildRuleGroups } from "./catalogue.js";
import { DEPLOYMENTS, DEPLOYMENT_CAPABILITIES, appliesTo, type Deployment } from "./deployments.js";
import { BACKUP_ALERTS } from "./groups/backups.js";
import { metricsReadByRules } from "./metrics.js";
import { prometheusRuleObjects } from "./render-rules.js";

const alertsOf = (deployment: Deployment): string[] => buildRuleGroups(undefined, deployment).flatMap((g) => g.alerts.map((a) => a.name));
const local = buildRuleGroups().flatMap((g) => g.alerts);

describe("alerts per deployment", () => {
  it("give the local stack every alert of the catalogue", () => {
    expect(alertsOf("local")).toEqual(local.map((a) => a.name));
  });

  it("leave the WAL archive and backup scheduler alerts out of prod, and keep every alert that needs nothing", () => {
    const prod = alertsOf("prod");
    expect(prod).not.toContain(BACKUP_ALERTS.walArchiveBehind);
    expect(prod).not.toContain(BACKUP_ALERTS.walArchivingFailing);
    expect(prod).not.toContain(BACKUP_ALERTS.backupStale);
    expect(prod).toEqual(local.filter((a) => a.requires.length === 0).map((a) => a.name));
  });

  it("keep the WAL archive alerts on dev, whose CloudNativePG archives WAL itself, but not the scheduler's", () => {
    expect(alertsOf("dev")).toEqual(expect.arrayContaining([BACKUP_ALERTS.walArchiveBehind, BACKUP_ALERTS.walArchivingFailing]));
    expect(alertsOf("dev")).not.toContain(BACKUP_ALERTS.backupFailed);
  });

  it("decide by the alert's capabilities only: an alert needing one a deployment lacks is out, one it has is in", () => {
    for (const deployment of DEPLOYMENTS) {
      for (const alert of local) {
        const expected = alert.requires.every((c) => DEPLOYMENT_CAPABILITIES[deployment].includes(c));
        expect(appliesTo(alert, deployment), `${alert.name} on ${deployment}`).toBe(expected);
      }
    }
    expect(appliesTo({ requires: ["backup-scheduler"] }, "prod")).toBe(false);
    expect(appliesTo({ requires: [] }, "prod")).toBe(true);
  });

  it("drop a group left empty (prod's backups) instead of rendering a PrometheusRule without rules", () => {
    const names = (prometheusRuleObjects({ namespace: "monitoring", deployment: "prod" }) as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name);
    expect(names).not.toContain("titan-backups");
    expect(names).toContain("titan-services");
  });

  it("read no archiver or backup-scheduler metric in prod", () => {
    expect(metricsReadByRules("prod").filter((m) => m.startsWith("pg_stat_archiver") || m.startsWith("titan_backup_"))).toEqual([]);
    expect(metricsReadByRules("local")).toContain("pg_stat_archiver_last_archive_age");
  });
});
