// The operations document as data. Every number from the seed (and every number we chose where it is
// silent) lives here once; alerts, dashboards, autoscaling, backups, the bench and docs import it.
export * from "./provenance.js";
export * from "./services.js";
export * from "./kpis.js";
export * from "./alerting.js";
export * from "./capacity.js";
export * from "./recovery.js";
export * from "./security.js";
export * from "./performance.js";
