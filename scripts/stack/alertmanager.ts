// Alertmanager of the local stack: the configuration is alerts/'s (critical pages, warning tickets,
// info to the daily digest, the Watchdog to the dead-man receiver), rendered without integrations, so
// locally nothing is delivered anywhere: the alerts are visible in the Alertmanager UI and API.
// Production passes its receivers to the same renderer (infra/).
import { spawnSync } from "node:child_process";
import { renderAlertmanagerConfig as renderConfig } from "../../alerts/alertmanager.js";

/** The local stack's configuration: the production routes and inhibitions, receivers without integrations. */
export const renderAlertmanagerConfig = (): string => renderConfig({});

export const checkAlertmanagerConfig = (file: string): void => {
  const res = spawnSync("amtool", ["check-config", file], { encoding: "utf8" });
  if (res.error) throw new Error(`amtool not found: run scripts/install-dependencies.sh (${res.error.message})`);
  if (res.status !== 0) throw new Error(`amtool check-config ${file} failed:\n${(res.stdout + res.stderr).trim()}`);
};

export const alertmanagerArgs = (configFile: string, dataDir: string, port: number): string[] => [
  `--config.file=${configFile}`,
  `--storage.path=${dataDir}`,
  `--web.listen-address=127.0.0.1:${port}`,
  // An empty address turns clustering off: no gossip port, no peers to wait for.
  "--cluster.listen-address=",
];
