// Writes every dashboard as Grafana JSON into a folder (default build/dashboards/), or with --check
// verifies that the folder holds exactly what the code renders.
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { diffDashboardFiles, dashboardFiles, writeDashboardFiles } from "./files.js";
import { DEFAULT_DATASOURCE_UID } from "./index.js";

const DEFAULT_OUT = "build/dashboards";

const USAGE = `Usage: tsx dashboards/render.ts [--out DIR] [--datasource-uid UID] [--check]

Renders the Grafana dashboards built in dashboards/ (overview, trading, brain, execution, scavenger,
capacity) to DIR/<uid>.json. The bytes depend only on the code and the options.

  --out DIR              folder to write to (default ${DEFAULT_OUT}); older titan-*.json files that
                         no longer match a dashboard are removed
  --datasource-uid UID   uid of the Grafana Prometheus datasource every panel uses
                         (default ${DEFAULT_DATASOURCE_UID})
  --check                write nothing; exit 1 if DIR differs from what would be rendered
  -h, --help             show this help`;

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export function main(argv: readonly string[]): number {
  let values: { out?: string; "datasource-uid"?: string; check?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { out: { type: "string" }, "datasource-uid": { type: "string" }, check: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`render: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const dir = resolve(values.out ?? DEFAULT_OUT);
  const shown = relative(process.cwd(), dir) || ".";
  let files;
  try {
    files = dashboardFiles({ datasourceUid: values["datasource-uid"] ?? DEFAULT_DATASOURCE_UID });
  } catch (error) {
    process.stderr.write(`render: ${(error as Error).message}\n`);
    return 2;
  }
  if (values.check) {
    const problems = diffDashboardFiles(dir, files);
    if (problems.length === 0) {
      out(`${shown}: ${files.length} dashboards up to date`);
      return 0;
    }
    process.stderr.write(`${shown} is out of date (run: npm run dashboards:render):\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    return 1;
  }
  const result = writeDashboardFiles(dir, files, (name) => out(`wrote ${shown}/${name}`));
  for (const name of result.removed) out(`removed ${shown}/${name} (no such dashboard any more)`);
  out(`${result.written.length} dashboards in ${shown}`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
