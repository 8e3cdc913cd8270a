// Every TCP port the processes of one stack listen on, found from the sockets themselves (`ss`), not
// from the port table: a listener nobody put in ports.ts still shows up (the TLS scan test reads this).
import { spawnSync } from "node:child_process";
import { findStackProcesses } from "./processes.js";

export interface ListeningSocket {
  readonly address: string;
  readonly port: number;
  /** Every process holding the socket (NGINX's master and its workers share one). */
  readonly pids: readonly number[];
  readonly programs: readonly string[];
}

/** Parses `ss -Hltnp` output: one listening TCP socket a line, its owners in `users:((...))`. */
export const parseListeningSockets = (ssOutput: string): ListeningSocket[] =>
  ssOutput
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const columns = line.trim().split(/\s+/);
      // State, Recv-Q, Send-Q, then the local address: 127.0.0.1:9090, [::1]:9090, *:9090.
      const local = columns[3] ?? "";
      const match = /^(.*):(\d+)$/.exec(local);
      if (!match) throw new Error(`ss: no local address in "${line}"`);
      const owners = [...line.matchAll(/\("([^"]*)",pid=(\d+)/g)];
      return {
        address: match[1]!.replace(/^\[(.*)\]$/, "$1"),
        port: Number(match[2]),
        pids: owners.map((o) => Number(o[2])),
        programs: [...new Set(owners.map((o) => o[1]!))],
      };
    });

/** Listening TCP sockets of the whole machine, with their owners (root sees every process's). */
export const listeningSockets = (): ListeningSocket[] => {
  const res = spawnSync("ss", ["-Hltnp"], { encoding: "utf8" });
  if (res.error) throw new Error(`ss not found (iproute2): ${res.error.message}`);
  if (res.status !== 0) throw new Error(`ss -Hltnp failed: ${res.stderr.trim()}`);
  return parseListeningSockets(res.stdout);
};

/** The listening sockets held by any process of the stack rooted at `root`, by port. */
export const stackListeners = (root: string): ListeningSocket[] => {
  const members = new Set(findStackProcesses(root).map((p) => p.pid));
  return listeningSockets()
    .filter((s) => s.pids.some((pid) => members.has(pid)))
    .sort((a, b) => a.port - b.port);
};
