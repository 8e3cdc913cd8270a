// A real Alertmanager posting to the console's incident webhook with its token from a credentials file:
// the payload Alertmanager really sends opens an incident, its resolve closes it and observes MTTD.
// The route's timings are shortened (the production tree waits a minute before sending a resolve);
// the production route tree itself is tested in alerts/ and scripts/stack/.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import type { Histogram } from "prom-client";
import { alertmanagerArgs } from "../../../scripts/stack/alertmanager.js";
import { DETECTION_METRIC } from "../../../services/console/adapters/incident-metrics.js";
import { ALERTMANAGER_WEBHOOK_PATH } from "../../../services/console/http/incident-paths.js";
import { startConsole, type ConsoleWorld } from "./support.js";

const TOKEN = "tam_real-alertmanager-test-token";

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const waitFor = async <T>(what: string, probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

describe("a real Alertmanager and the console's incident webhook", () => {
  let world: ConsoleWorld;
  let alertmanager: ChildProcess | undefined;
  let amUrl = "";
  let amLog = "";

  beforeAll(async () => {
    world = await startConsole("incidents_am", {});
    const secrets = join(world.stateDir, "secrets");
    mkdirSync(secrets, { recursive: true });
    const tokenFile = join(secrets, "alertmanager-webhook-token");
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const dir = mkdtempSync(join(inject("scratchDir"), "incidents-am-"));
    const config = {
      route: { receiver: "pager", group_by: ["alertname", "service"], group_wait: "0s", group_interval: "1s", repeat_interval: "1h" },
      receivers: [
        {
          name: "pager",
          webhook_configs: [{ url: `http://127.0.0.1:${world.running.port}${ALERTMANAGER_WEBHOOK_PATH}`, send_resolved: true, http_config: { authorization: { type: "Bearer", credentials_file: tokenFile } } }],
        },
      ],
    };
    writeFileSync(join(dir, "alertmanager.yml"), stringify(config));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    alertmanager = spawn("prometheus-alertmanager", alertmanagerArgs(join(dir, "alertmanager.yml"), join(dir, "data"), port), { stdio: ["ignore", "pipe", "pipe"] });
    alertmanager.stderr?.on("data", (d: Buffer) => (amLog += d.toString()));
    await waitFor("Alertmanager ready", async () => ((await fetch(`${amUrl}/-/ready`)).ok ? true : null));
  }, 60_000);

  afterAll(async () => {
    alertmanager?.kill("SIGTERM");
    await world?.stop();
  });

  const postAlert = async (alert: Record<string, unknown>): Promise<void> => {
    const res = await fetch(`${amUrl}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([alert]) });
    expect(res.status, await res.text()).toBe(200);
  };
  const incidents = async () => (await world.db.pool.query("SELECT id, first_page_at, fault_start_at, closed_at FROM console.incidents")).rows;

  it("opens an incident on the page and closes it on the resolve, observing the detection time", async () => {
    const startsAtMs = Math.floor(Date.now() / 1000) * 1000 - 20_000;
    const alert = { labels: { alertname: "TitanServiceDown", severity: "critical", service: "execution" }, annotations: { summary: "execution is down", for_seconds: "60" }, startsAt: new Date(startsAtMs).toISOString() };
    await postAlert(alert);
    const [opened] = await waitFor("the incident to open", async () => {
      const rows = await incidents();
      return rows.length > 0 ? rows : null;
    });
    expect(opened.fault_start_at).toEqual(new Date(startsAtMs - 60_000));
    expect(opened.first_page_at).toEqual(new Date(world.clock.nowMs()));
    expect(opened.closed_at, amLog).toBeNull();

    await postAlert({ ...alert, endsAt: new Date().toISOString() });
    await waitFor("the incident to close", async () => ((await incidents())[0]?.closed_at ? true : null));
    const values = (await (world.running.ctx.metrics.registry.getSingleMetric(DETECTION_METRIC) as Histogram).get()).values;
    expect(values.find((v) => v.metricName === `${DETECTION_METRIC}_count`)?.value).toBe(1);
    expect(values.find((v) => v.metricName === `${DETECTION_METRIC}_sum`)?.value).toBe((world.clock.nowMs() - (startsAtMs - 60_000)) / 1000);
    // Every notification carried the token: none was refused.
    const refused = (await world.running.ctx.metrics.authFailuresTotal.get()).values.filter((v) => v.labels.route === ALERTMANAGER_WEBHOOK_PATH).reduce((s, v) => s + v.value, 0);
    expect(refused).toBe(0);
  }, 60_000);
});
