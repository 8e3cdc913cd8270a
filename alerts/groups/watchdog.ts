// The dead-man's switch: always firing, so an external receiver that stops hearing it knows the
// alerting pipeline (Prometheus, rules, Alertmanager, the network) is broken.
import type { GroupSpec } from "../model.js";

export const WATCHDOG_ALERT = "Watchdog";

export const WATCHDOG_GROUP: GroupSpec = {
  area: "watchdog",
  alerts: [
    {
      name: WATCHDOG_ALERT,
      severity: "none",
      expr: "vector(1)",
      forSeconds: 0,
      summary: "The alerting pipeline is alive",
      description: "Always firing. Alertmanager sends it to the dead-man receiver every few minutes; when that receiver stops hearing it, Prometheus, the rules or Alertmanager are broken and no other alert can reach anyone.",
    },
  ],
};
