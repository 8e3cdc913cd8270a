// The Alertmanager configuration as amtool reads it: valid, and every alert of the catalogue routed to
// the receiver its severity calls for (the Watchdog to the dead-man's switch).
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertmanagerConfig, RECEIVERS, renderAlertmanagerConfig, ROUTE_TIMINGS } from "./alertmanager.js";
import { amtool, routedReceiver, writeTempConfig } from "./amtool.js";
import { allAlerts } from "./catalogue.js";

const local = writeTempConfig(renderAlertmanagerConfig());
const production = writeTempConfig(
  renderAlertmanagerConfig({
    global: { resolve_timeout: "5m" },
    receivers: {
      pager: { pagerduty_configs: [{ routing_key: "0123456789abcdef0123456789abcdef" }] },
      ticket: { webhook_configs: [{ url: "https://tickets.example.org/hooks/alertmanager" }] },
      digest: { email_configs: [{ to: "ops-digest@example.org", from: "alertmanager@example.org", smarthost: "smtp.example.org:587" }] },
      deadMan: { webhook_configs: [{ url: "https://deadman.example.org/ping/titan", send_resolved: false }] },
    },
  }),
);

const EXPECTED_RECEIVER = { critical: RECEIVERS.pager, warning: RECEIVERS.ticket, info: RECEIVERS.digest } as const;

describe("amtool check-config", () => {
  it("accepts the local configuration (receivers without integrations)", () => {
    const res = amtool(["check-config", local]);
    expect(res.ok, res.output).toBe(true);
    expect(res.output).toMatch(/7 inhibit rules/);
    expect(res.output).toMatch(/4 receivers/);
  });

  it("accepts a production configuration with real integrations", () => {
    const res = amtool(["check-config", production]);
    expect(res.ok, res.output).toBe(true);
  });
});

describe("amtool config routes test", () => {
  it.each(allAlerts().map((a) => [a.name, a] as const))("routes %s by its severity", (_name, alert) => {
    const labels = { ...alert.labels, alertname: alert.name, ...(alert.labels.service?.includes("{{") ? { service: "execution" } : {}) };
    const expected = alert.severity === "none" ? RECEIVERS.deadMan : EXPECTED_RECEIVER[alert.severity];
    expect(routedReceiver(local, labels)).toBe(expected);
    expect(routedReceiver(production, labels)).toBe(expected);
  });

  it.each([
    [{ severity: "critical", alertname: "Anything" }, RECEIVERS.pager],
    [{ severity: "warning", alertname: "Anything" }, RECEIVERS.ticket],
    [{ severity: "info", alertname: "Anything" }, RECEIVERS.digest],
    [{ severity: "none", alertname: "Watchdog" }, RECEIVERS.deadMan],
    // an alert with a severity nobody defined still reaches a person
    [{ severity: "urgent", alertname: "Anything" }, RECEIVERS.ticket],
    [{ alertname: "NoSeverity" }, RECEIVERS.ticket],
  ])("routes %j to %s", (labels, receiver) => {
    expect(routedReceiver(local, labels)).toBe(receiver);
  });
});

describe("the configuration", () => {
  const config = parse(renderAlertmanagerConfig()) as { route: { routes: Array<{ receiver: string; repeat_interval: string; group_interval: string }> } };

  it("repeats the Watchdog every minute and gathers info alerts into one daily notification", () => {
    const route = (receiver: string) => config.route.routes.find((r) => r.receiver === receiver)!;
    expect(route(RECEIVERS.deadMan).repeat_interval).toBe("1m");
    expect(route(RECEIVERS.digest)).toMatchObject({ group_interval: "1d", repeat_interval: "1d", group_by: ["severity"] });
    expect(ROUTE_TIMINGS.info.repeatIntervalSeconds).toBe(24 * 3600);
  });

  it("refuses integrations Alertmanager does not know, and receivers that do not exist", () => {
    expect(() => alertmanagerConfig({ receivers: { pager: { pagerduty: [{}] } } })).toThrow(/not an Alertmanager integration/);
    expect(() => alertmanagerConfig({ receivers: { pager: { webhook_configs: [] } } })).toThrow(/non-empty list/);
    expect(() => alertmanagerConfig({ receivers: { sms: { webhook_configs: [{ url: "x" }] } } as never })).toThrow(/unknown receiver role "sms"/);
  });
});
