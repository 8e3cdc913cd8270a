// services/shared/config: typed configuration from the environment and mounted secret files.

export * from "./spec.js";
export * from "./load.js";
export * from "./specs.js";
export { renderEnvExample } from "./env-example.js";
