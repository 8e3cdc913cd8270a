// The helper daemons of the stack (Prometheus, Alertmanager, Pushgateway, exporters): how each is
// started, all listening on loopback only, over TLS 1.3 only (monitoring-tls.ts), with state in the
// stack folder.
import { join } from "node:path";
import { alertmanagerArgs } from "./alertmanager.js";
import { caFiles, leafFiles } from "./ca.js";
import { daemonPidFile, logFileOf, type DaemonName } from "./components.js";
import { redisExporterTlsArgs, webConfigFile } from "./monitoring-tls.js";
import type { DaemonSpec } from "./processes.js";
import type { StackPorts } from "./ports.js";
import { prometheusArgs } from "./prometheus.js";
import type { StackLayout } from "./state.js";

export const prometheusConfigFile = (layout: StackLayout): string => join(layout.prometheusDir, "prometheus.yml");
export const alertmanagerConfigFile = (layout: StackLayout): string => join(layout.alertmanagerDir, "alertmanager.yml");

/** In start order: Alertmanager before Prometheus so the first alerts have somewhere to go. */
export const daemonSpecs = (layout: StackLayout, ports: StackPorts): Record<DaemonName, DaemonSpec> => {
  const caFile = caFiles(layout.caDir).caCert;
  const webConfig = (name: DaemonName): string => `--web.config.file=${webConfigFile(layout.caDir, name)}`;
  const spec = (name: DaemonName, executable: string, args: string[], env?: Record<string, string>): DaemonSpec => ({
    name,
    executable,
    args,
    ...(env ? { env } : {}),
    pidFile: daemonPidFile(layout, name),
    logFile: logFileOf(layout, name),
  });
  return {
    pushgateway: spec("pushgateway", "prometheus-pushgateway", [
      `--web.listen-address=127.0.0.1:${ports.pushgateway}`,
      webConfig("pushgateway"),
      `--persistence.file=${join(layout.pushgatewayDir, "metrics.store")}`,
      "--persistence.interval=1m",
    ]),
    alertmanager: spec("alertmanager", "prometheus-alertmanager", [
      ...alertmanagerArgs(alertmanagerConfigFile(layout), join(layout.alertmanagerDir, "data"), ports.alertmanager),
      webConfig("alertmanager"),
    ]),
    prometheus: spec("prometheus", "prometheus", [...prometheusArgs(prometheusConfigFile(layout), join(layout.prometheusDir, "data"), ports.prometheus), webConfig("prometheus")]),
    "node-exporter": spec("node-exporter", "prometheus-node-exporter", [
      `--web.listen-address=127.0.0.1:${ports.nodeExporter}`,
      webConfig("node-exporter"),
      "--no-collector.textfile", // its default folder belongs to the system package
    ]),
    // The superuser over loopback (trusted there, see postgres.ts): the exporter reads statistics views only.
    // Over TLS, the server's certificate checked against the stack's CA, like every other client.
    "postgres-exporter": spec("postgres-exporter", "prometheus-postgres-exporter", [`--web.listen-address=127.0.0.1:${ports.postgresExporter}`, webConfig("postgres-exporter")], {
      DATA_SOURCE_NAME: `postgresql://postgres@127.0.0.1:${ports.postgres}/postgres?sslmode=verify-full&sslrootcert=${caFile}`,
    }),
    // Redis speaks TLS only (redis.ts); redis_exporter serves TLS with flags of its own, not a web config.
    "redis-exporter": spec("redis-exporter", "prometheus-redis-exporter", [
      `-redis.addr=rediss://127.0.0.1:${ports.redis}`,
      `-tls-ca-cert-file=${caFile}`,
      `-web.listen-address=127.0.0.1:${ports.redisExporter}`,
      ...redisExporterTlsArgs(leafFiles(layout.caDir, "redis-exporter")),
    ]),
  };
};
