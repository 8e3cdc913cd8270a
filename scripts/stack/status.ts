// `stack status`: one line per component for humans (the on-call tool is `titanctl status`).
import { stackComponents } from "./components.js";
import type { StackContext } from "./context.js";
import { listPm2 } from "./pm2.js";
import { readPidFile, isLive } from "./processes.js";

export const status = async (ctx: StackContext, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> => {
  const pm2 = new Map(listPm2(ctx.layout, ctx.portOffset).map((p) => [p.name, p]));
  const components = stackComponents(ctx.layout, ctx.ports, Object.fromEntries([...pm2.values()].map((p) => [p.name, p.id])));
  const rows = await Promise.all(
    components.map(async (c) => {
      const managed = pm2.get(c.name);
      const pid = managed ? managed.pid : readPidFile(c.pidFile);
      const pidText = pid !== undefined && pid > 0 && isLive(pid) ? `pid ${pid}` : "-";
      if (!c.probe) {
        const state = managed ? `${managed.status}${managed.exitCode !== null ? ` (last exit ${managed.exitCode})` : ""}` : "not registered";
        return { healthy: managed !== undefined && managed.status !== "errored", line: [c.name.padEnd(18), (managed && managed.status !== "errored" ? "ok" : "DOWN").padEnd(5), pidText.padEnd(10), c.url, state].join(" ") };
      }
      const verdict = await c.probe(2_000);
      const restarts = managed && managed.restarts > 0 ? ` restarts ${managed.restarts}` : "";
      return { healthy: verdict.healthy, line: [c.name.padEnd(18), (verdict.healthy ? "ok" : "DOWN").padEnd(5), pidText.padEnd(10), c.url, verdict.healthy ? restarts.trim() : `${verdict.detail}${restarts}`].join(" ") };
    }),
  );
  write(`${"COMPONENT".padEnd(18)} ${"STATE".padEnd(5)} ${"PID".padEnd(10)} URL\n`);
  for (const r of rows) write(`${r.line.trimEnd()}\n`);
  const down = rows.filter((r) => !r.healthy).length;
  write(down === 0 ? `all ${rows.length} components healthy (${ctx.layout.root})\n` : `${down} of ${rows.length} components not healthy (${ctx.layout.root})\n`);
  return down === 0 ? 0 : 1;
};
