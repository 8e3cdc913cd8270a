// `tsx bench/profile-summary.ts <file.cpuprofile>`: where a service's CPU time went, from a V8 CPU profile
// (node --cpu-prof): busy versus idle, self time by package or source folder, and the hottest functions.
import { readFileSync } from "node:fs";
import { Command } from "commander";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  readonly byArea: ReadonlyArray<readonly [string, number]>;
  readonly byFunction: ReadonlyArray<readonly [string, number]>;
}

/** The package (node_modules/<pkg>), the source folder (services/<svc>/<part>) or Node itself. */
export const areaOf = (url: string): string => {
  if (url === "") return "(native / V8)";
  if (url.startsWith("node:")) return "node internals";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  const src = /\/(services\/[^/]+(?:\/[^/]+)?)\/[^/]+$/.exec(url);
  return src ? (src[1] as string) : url.replace(/^file:\/\//, "");
};

export const summariseProfile = (profile: CpuProfile, top = 15): ProfileSummary => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const area = new Map<string, number>();
  const fn = new Map<string, number>();
  let idleMs = 0;
  let gcMs = 0;
  let totalMs = 0;
  for (const [id, ms] of self) {
    totalMs += ms;
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === "(idle)") {
      idleMs += ms;
      continue;
    }
    if (frame.functionName === "(garbage collector)") gcMs += ms;
    const a = areaOf(frame.url);
    area.set(a, (area.get(a) ?? 0) + ms);
    const name = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").slice(-2).join("/")}:${frame.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, idleMs, gcMs, byArea: sorted(area), byFunction: sorted(fn) };
};

export const renderProfileSummary = (s: ProfileSummary): string => {
  const busy = s.totalMs - s.idleMs;
  const pct = (ms: number) => `${((ms / Math.max(busy, 1e-9)) * 100).toFixed(1).padStart(5)} %`;
  return [
    `profiled ${(s.totalMs / 1000).toFixed(1)} s: busy ${(busy / 1000).toFixed(1)} s, idle ${(s.idleMs / 1000).toFixed(1)} s, GC ${(s.gcMs / 1000).toFixed(2)} s (${pct(s.gcMs).trim()} of busy)`,
    "self time by area (share of busy):",
    ...s.byArea.map(([a, ms]) => `  ${pct(ms)}  ${a}`),
    "hottest functions (self time, share of busy):",
    ...s.byFunction.map(([f, ms]) => `  ${pct(ms)}  ${f}`),
  ].join("\n");
};

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const program = new Command()
    .name("profile-summary")
    .description("Summarise a V8 CPU profile (node --cpu-prof): busy vs idle, self time by package or source folder, hottest functions")
    .argument("<file>", "a .cpuprofile file")
    .option("--top <n>", "how many areas and functions to list", (v) => Number(v), 15)
    .action((file: string, opts: { top: number }) => {
      const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
      process.stdout.write(`${renderProfileSummary(summariseProfile(profile, opts.top))}\n`);
    });
  program.parse();
}
