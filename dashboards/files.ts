// The dashboards as files: `<uid>.json`, two-space JSON with a final newline, in a fixed order, so two
// renders of the same code give the same bytes.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildDashboards, type BuildOptions } from "./index.js";

export interface DashboardFile {
  readonly name: string;
  readonly content: string;
}

export const dashboardFiles = (opts: BuildOptions = {}): DashboardFile[] =>
  buildDashboards(opts).map((d) => ({ name: `${d.uid}.json`, content: `${JSON.stringify(d.json, null, 2)}\n` }));

/** Our files in the folder: a dashboard removed from the code must not linger in Grafana's provisioning. */
const ownFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => /^titan-[a-z0-9-]+\.json$/.test(f)).sort() : []);

export interface WriteResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
}

export const writeDashboardFiles = (dir: string, files: readonly DashboardFile[], onFile: (name: string) => void = () => undefined): WriteResult => {
  mkdirSync(dir, { recursive: true });
  const names = new Set(files.map((f) => f.name));
  const removed = ownFiles(dir).filter((f) => !names.has(f));
  for (const f of removed) rmSync(join(dir, f));
  for (const file of files) {
    writeFileSync(join(dir, file.name), file.content);
    onFile(file.name);
  }
  return { written: files.map((f) => f.name), removed };
};

/** What differs between the folder and the files the code renders: missing, stale and extra files. */
export const diffDashboardFiles = (dir: string, files: readonly DashboardFile[]): string[] => {
  const problems: string[] = [];
  const names = new Set(files.map((f) => f.name));
  for (const file of files) {
    const path = join(dir, file.name);
    if (!existsSync(path)) problems.push(`${file.name}: missing`);
    else if (readFileSync(path, "utf8") !== file.content) problems.push(`${file.name}: differs from what the code renders`);
  }
  for (const extra of ownFiles(dir).filter((f) => !names.has(f))) problems.push(`${extra}: no dashboard of that uid any more`);
  return problems;
};
