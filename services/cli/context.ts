// What every titanctl command needs: where the API is, which CA to trust, and the caller's token.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { RequestOptions } from "./http-client.js";

export interface CliContext {
  readonly apiUrl: string;
  readonly stateDir: string;
  readonly caFile?: string;
  readonly token?: string;
  /** Request options carrying the CA and the bearer token. */
  request(): RequestOptions;
}

const readTrimmed = (file: string): string | undefined => (existsSync(file) ? readFileSync(file, "utf8").trim() || undefined : undefined);

export const cliContext = (env: NodeJS.ProcessEnv = process.env): CliContext => {
  const stateDir = resolve(env.TITAN_STATE_DIR ?? ".titan");
  const apiUrl = (env.TITAN_API_URL ?? "https://127.0.0.1:8443").replace(/\/$/, "");
  const caFile = env.TITAN_CA_FILE ?? resolve(stateDir, "ca", "ca.crt");
  const token =
    env.TITAN_TOKEN ??
    (env.TITAN_TOKEN_FILE ? readTrimmed(env.TITAN_TOKEN_FILE) : undefined) ??
    readTrimmed(env.TITAN_BOOTSTRAP_TOKEN_FILE ?? resolve(stateDir, "secrets", "bootstrap-admin-token"));
  return {
    apiUrl,
    stateDir,
    ...(existsSync(caFile) ? { caFile } : {}),
    ...(token ? { token } : {}),
    request() {
      return { ...(existsSync(caFile) ? { caFile } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} };
    },
  };
};
