import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderAlertmanagerConfig as renderProduction } from "../../alerts/alertmanager.js";
import { ALERTMANAGER_WEBHOOK_PATH } from "../../services/console/http/incident-paths.js";
import { alertmanagerArgs, checkAlertmanagerConfig, consoleWebhook, renderAlertmanagerConfig } from "./alertmanager.js";
import { stackPorts } from "./ports.js";
import { stackLayout } from "./state.js";

describe("the Alertmanager config of the local stack", () => {
  const ctx = { layout: stackLayout("/tmp/titan-stack-x"), ports: stackPorts(100) };
  const config = parse(renderAlertmanagerConfig(ctx)) as { route: { routes: Array<{ receiver: string }> }; receivers: Array<Record<string, unknown>> };

  it("is alerts/'s configuration whose pager posts to the console's incident webhook; the other receivers deliver nowhere", () => {
    expect(renderAlertmanagerConfig(ctx)).toBe(renderProduction({ receivers: { pager: consoleWebhook(ctx) } }));
    expect(config.receivers.map((r) => Object.keys(r))).toEqual([["name", "webhook_configs"], ["name"], ["name"], ["name"]]);
    expect(config.receivers[0]?.name).toBe("pager");
    expect(config.route.routes.map((r) => r.receiver)).toEqual(["dead-man", "pager", "ticket", "daily-digest"]);
  });

  it("reaches the console of its own stack over TLS with the token from the stack's secrets", () => {
    expect(config.receivers[0]?.webhook_configs).toEqual([
      {
        url: `https://127.0.0.1:${ctx.ports.console}${ALERTMANAGER_WEBHOOK_PATH}`,
        send_resolved: true,
        http_config: {
          authorization: { type: "Bearer", credentials_file: "/tmp/titan-stack-x/secrets/alertmanager-webhook-token" },
          tls_config: { ca_file: "/tmp/titan-stack-x/ca/ca.crt", min_version: "TLS13" },
        },
      },
    ]);
  });

  it("passes amtool check-config, and a broken file does not", () => {
    const dir = mkdtempSync(join(tmpdir(), "titan-am-"));
    writeFileSync(join(dir, "ok.yml"), renderAlertmanagerConfig());
    expect(() => checkAlertmanagerConfig(join(dir, "ok.yml"))).not.toThrow();
    writeFileSync(join(dir, "bad.yml"), "route:\n  receiver: nobody\nreceivers: []\n");
    expect(() => checkAlertmanagerConfig(join(dir, "bad.yml"))).toThrow(/amtool check-config .* failed/);
  });

  it("runs on loopback without clustering", () => {
    expect(alertmanagerArgs("/c.yml", "/d", 9093)).toEqual(["--config.file=/c.yml", "--storage.path=/d", "--web.listen-address=127.0.0.1:9093", "--cluster.listen-address="]);
  });
});
