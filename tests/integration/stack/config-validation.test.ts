// The generated configurations pass the servers' own validators (nginx -t, promtool, amtool), the
// same checks `stack up` runs before starting anything.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { checkAlertmanagerConfig, renderAlertmanagerConfig } from "../../../scripts/stack/alertmanager.js";
import { ensureCertificateAuthority } from "../../../scripts/stack/ca.js";
import { testNginxConfig, writeNginxConfig } from "../../../scripts/stack/nginx.js";
import { stackPorts } from "../../../scripts/stack/ports.js";
import { checkPrometheusConfig, renderPrometheusConfig } from "../../../scripts/stack/prometheus.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(inject("scratchDir"), "stack-config-"));
});

describe("generated stack configuration", () => {
  it("is accepted by nginx -t", () => {
    const ca = ensureCertificateAuthority(join(dir, "ca"));
    const opts = {
      ports: stackPorts(),
      paths: { dir: join(dir, "nginx"), logsDir: join(dir, "logs"), serverCert: ca.files.serverCert, serverKey: ca.files.serverKey, caCert: ca.files.caCert },
      ...(process.getuid?.() === 0 ? { workerUser: "nobody nogroup" } : {}),
    };
    mkdirSync(opts.paths.dir, { recursive: true });
    expect(writeNginxConfig(opts).changed).toBe(true);
    expect(writeNginxConfig(opts).changed).toBe(false);
    expect(() => testNginxConfig(opts)).not.toThrow();
  });

  it("is accepted by promtool with no rule files yet, and with rendered rules", () => {
    const rules = join(dir, "rules");
    const file = join(dir, "prometheus.yml");
    writeFileSync(file, renderPrometheusConfig({ ports: stackPorts(), ruleDirs: [join(dir, "does-not-exist"), rules], caFile: join(dir, "ca", "ca.crt") }));
    expect(() => checkPrometheusConfig(file)).not.toThrow();
    mkdirSync(rules, { recursive: true });
    writeFileSync(join(rules, "titan.yml"), "groups:\n  - name: t\n    rules:\n      - alert: Up\n        expr: up == 0\n        for: 1m\n");
    expect(() => checkPrometheusConfig(file)).not.toThrow();
  });

  it("is refused, with promtool's reason, when a rendered rule file is broken", () => {
    const rules = join(dir, "broken-rules");
    mkdirSync(rules, { recursive: true });
    writeFileSync(join(rules, "bad.yml"), "groups:\n  - name: t\n    rules:\n      - alert: Bad\n        expr: up ==\n");
    const file = join(dir, "prometheus-broken.yml");
    writeFileSync(file, renderPrometheusConfig({ ports: stackPorts(), ruleDirs: [rules], caFile: join(dir, "ca", "ca.crt") }));
    expect(() => checkPrometheusConfig(file)).toThrow(/promtool check config .* failed[\s\S]*bad\.yml/);
  });

  it("is accepted by amtool check-config", () => {
    const file = join(dir, "alertmanager.yml");
    writeFileSync(file, renderAlertmanagerConfig());
    expect(() => checkAlertmanagerConfig(file)).not.toThrow();
  });
});
