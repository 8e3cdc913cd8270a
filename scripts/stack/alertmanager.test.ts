import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderAlertmanagerConfig as renderProduction } from "../../alerts/alertmanager.js";
import { alertmanagerArgs, checkAlertmanagerConfig, renderAlertmanagerConfig } from "./alertmanager.js";

describe("the Alertmanager config of the local stack", () => {
  const config = parse(renderAlertmanagerConfig()) as { route: { routes: Array<{ receiver: string }> }; receivers: Array<Record<string, unknown>> };

  it("is alerts/'s configuration with receivers that deliver nowhere", () => {
    expect(renderAlertmanagerConfig()).toBe(renderProduction({}));
    expect(config.receivers.map((r) => Object.keys(r))).toEqual([["name"], ["name"], ["name"], ["name"]]);
    expect(config.route.routes.map((r) => r.receiver)).toEqual(["dead-man", "pager", "ticket", "daily-digest"]);
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
