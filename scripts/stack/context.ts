// What every stack command works on: the state folder, its layout and the (possibly offset) ports.
import { spawnSync } from "node:child_process";
import { portOffsetFromEnv, stackPorts, type StackPorts } from "./ports.js";
import { isPortFree } from "./processes.js";
import { REPO_DIR, resolveStackDir, stackLayout, type StackLayout } from "./state.js";

export interface StackContext {
  readonly layout: StackLayout;
  readonly ports: StackPorts;
  readonly portOffset: number;
}

export const stackContext = (env: NodeJS.ProcessEnv = process.env): StackContext => {
  const portOffset = portOffsetFromEnv(env);
  return { layout: stackLayout(resolveStackDir(env, REPO_DIR), REPO_DIR), ports: stackPorts(portOffset), portOffset };
};

/** Who holds a port, from `ss`, for an error message a human can act on. */
export const portHolder = (port: number): string => {
  const res = spawnSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" });
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(res.stdout ?? "");
  return match ? `${match[1]} (pid ${match[2]})` : "another process";
};

/** Throws a clear error when a port the component is about to bind is taken by something else. */
export const requireFreePort = async (component: string, port: number): Promise<void> => {
  if (await isPortFree(port)) return;
  throw new Error(`port ${port} for ${component} is already in use by ${portHolder(port)}; stop it, or move this stack with TITAN_STACK_PORT_OFFSET`);
};
