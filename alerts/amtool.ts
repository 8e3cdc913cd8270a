// amtool over a rendered Alertmanager configuration, for the tests (check-config, routes test).
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const writeTempConfig = (yaml: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), "titan-amtool-")), "alertmanager.yml");
  writeFileSync(file, yaml);
  return file;
};

export const amtool = (args: readonly string[]): { ok: boolean; stdout: string; output: string } => {
  const res = spawnSync("amtool", args, { encoding: "utf8" });
  if (res.error) throw new Error(`amtool not found: run scripts/install-dependencies.sh (${res.error.message})`);
  return { ok: res.status === 0, stdout: res.stdout.trim(), output: `${res.stdout}${res.stderr}`.trim() };
};

/** The receiver(s) `amtool config routes test` picks for an alert with these labels. */
export const routedReceiver = (configFile: string, labels: Readonly<Record<string, string>>): string => {
  const res = amtool(["config", "routes", "test", `--config.file=${configFile}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  if (!res.ok) throw new Error(`amtool config routes test failed: ${res.output}`);
  return res.stdout;
};
