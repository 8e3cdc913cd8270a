// Alertmanager of the local stack: the configuration is alerts/'s (critical pages, warning tickets,
// info to the daily digest, the Watchdog to the dead-man receiver). Only the pager delivers locally:
// to the console's incident webhook (over TLS, checked against the stack's CA, with the bearer token
// from the stack's secrets), which records incidents and measures MTTD. The other receivers deliver
// nowhere: those alerts are visible in the Alertmanager UI and API. Production passes its receivers
// to the same renderer (infra/).
import { spawnSync } from "node:child_process";
import { renderAlertmanagerConfig as renderConfig, type ReceiverIntegrations } from "../../alerts/alertmanager.js";
import { ALERTMANAGER_WEBHOOK_PATH } from "../../services/console/http/incident-paths.js";
import { caFiles } from "./ca.js";
import { stackContext, type StackContext } from "./context.js";
import { monitoringClientTls } from "./monitoring-tls.js";
import { secretFiles } from "./secrets.js";

/** The pager's integration: every critical notification, and its resolution, to the console. */
export const consoleWebhook = (ctx: Pick<StackContext, "layout" | "ports">): ReceiverIntegrations => ({
  webhook_configs: [
    {
      url: `https://127.0.0.1:${ctx.ports.console}${ALERTMANAGER_WEBHOOK_PATH}`,
      // The close of an incident is the resolve of its last alert.
      send_resolved: true,
      http_config: {
        authorization: { type: "Bearer", credentials_file: secretFiles(ctx.layout.secretsDir).alertmanagerWebhookToken },
        tls_config: monitoringClientTls(caFiles(ctx.layout.caDir).caCert),
      },
    },
  ],
});

/** The local stack's configuration: the production routes and inhibitions; the pager posts to the console. */
export const renderAlertmanagerConfig = (ctx: Pick<StackContext, "layout" | "ports"> = stackContext()): string => renderConfig({ receivers: { pager: consoleWebhook(ctx) } });

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
