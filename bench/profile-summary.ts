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
    const name = frameName(frame);
    fn.set(name, (fn.get(name) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, idleMs, gcMs, byArea: sorted(area), byFunction: sorted(fn) };
};

const frameName = (frame: ProfileNode["callFrame"]): string =>
  `${frame.functionName || "(anonymous)"} ${frame.url.split("/").slice(-2).join("/")}:${frame.lineNumber + 1}`;

/**
 * Where a hot function's self time comes from: its self time grouped by the call path above it, `depth`
 * frames deep, skipping Node's own frames (a `writev` is only useful with the application frame that wrote).
 */
export const callersOf = (profile: CpuProfile, functionName: string, depth = 6, top = 15): ReadonlyArray<readonly [string, number]> => {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const paths = new Map<string, number>();
  for (const [id, ms] of self) {
    if (byId.get(id)?.callFrame.functionName !== functionName) continue;
    const frames: string[] = [];
    for (let p = parent.get(id); p !== undefined && frames.length < depth; p = parent.get(p)) {
      const frame = (byId.get(p) as ProfileNode).callFrame;
      if (frame.url.startsWith("node:") || frame.url === "" || frame.functionName === "(root)") continue;
      frames.push(frameName(frame));
    }
    const key = frames.join(" < ") || "(no application frame)";
    paths.set(key, (paths.get(key) ?? 0) + ms);
  }
  return [...paths].sort((a, b) => b[1] - a[1]).slice(0, top);
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
    .option("--callers <function>", "instead: the call paths a function's self time comes from (e.g. writev)")
    .option("--depth <n>", "application frames shown per call path with --callers", (v) => Number(v), 6)
    .action((file: string, opts: { top: number; callers?: string; depth: number }) => {
      const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
      if (opts.callers !== undefined) {
        const paths = callersOf(profile, opts.callers, opts.depth, opts.top);
        const total = paths.reduce((sum, [, ms]) => sum + ms, 0);
        process.stdout.write(`${opts.callers}: ${(total / 1000).toFixed(2)} s in the top ${paths.length} call paths\n`);
        for (const [path, ms] of paths) process.stdout.write(`  ${(ms / 1000).toFixed(2).padStart(6)} s  ${path}\n`);
        return;
      }
      process.stdout.write(`${renderProfileSummary(summariseProfile(profile, opts.top))}\n`);
    });
  program.parse();
}
