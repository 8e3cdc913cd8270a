// What every titanctl command needs: where the API is, which CA to trust, and the caller's token.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadTitanctlConfig } from "../shared/config/index.js";
import type { RequestOptions } from "./http-client.js";

export interface CliContext {
  readonly apiUrl: string;
  readonly stateDir: string;
  readonly caFile?: string;
  readonly token?: string;
  /** Request options carrying the CA and the bearer token. */
  request(): RequestOptions;
}

export const cliContext = (env: NodeJS.ProcessEnv = process.env): CliContext => {
  const config = loadTitanctlConfig(env);
  const caFile = existsSync(config.caFile) ? config.caFile : undefined;
  const token = config.token;
  return {
    apiUrl: config.apiUrl.replace(/\/$/, ""),
    stateDir: resolve(config.stateDir),
    ...(caFile ? { caFile } : {}),
    ...(token ? { token } : {}),
    request: (): RequestOptions => ({ ...(caFile ? { caFile } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} }),
  };
};
