// `tsx alerts/render.ts`: writes the plain Prometheus rule files of the catalogue to a folder
// (default alerts/rendered/), or with --check says whether that folder is up to date.
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { DEFAULT_RUNBOOK_BASE_URL } from "./runbook-url.js";
import { ruleFileDrift, writeRuleFiles } from "./render-rules.js";
import { allAlerts } from "./catalogue.js";

const REPO_DIR = fileURLToPath(new URL("..", import.meta.url));
export const DEFAULT_RENDERED_DIR = join(REPO_DIR, "alerts", "rendered");

const out = (line: string): void => void process.stdout.write(`${line}\n`);

const program = new Command()
  .name("alerts/render.ts")
  .description("Render the alert catalogue (alerts/groups/*.ts) to plain Prometheus rule files, one per group")
  .option("--out <dir>", "folder to write the rule files to", DEFAULT_RENDERED_DIR)
  .option("--runbook-base-url <url>", "base of every runbook_url (the folder holding <AlertName>.md)", DEFAULT_RUNBOOK_BASE_URL)
  .option("--check", "write nothing; exit 1 if the folder differs from the rendering")
  .showHelpAfterError();

program.action((opts: { out: string; runbookBaseUrl: string; check?: boolean }) => {
  const shown = relative(process.cwd(), opts.out) || ".";
  if (opts.check) {
    const drift = ruleFileDrift(opts.out, { runbookBaseUrl: opts.runbookBaseUrl });
    for (const line of drift) out(`  drift: ${line}`);
    out(drift.length === 0 ? `${shown}: up to date` : `${shown}: out of date, run: npx tsx alerts/render.ts`);
    process.exitCode = drift.length === 0 ? 0 : 1;
    return;
  }
  const result = writeRuleFiles(opts.out, { runbookBaseUrl: opts.runbookBaseUrl });
  for (const f of result.written) out(`  wrote   ${join(shown, f)}`);
  for (const f of result.removed) out(`  removed ${join(shown, f)}`);
  for (const f of result.unchanged) out(`  same    ${join(shown, f)}`);
  out(`${allAlerts(opts.runbookBaseUrl).length} alerts in ${result.written.length + result.unchanged.length} rule files under ${shown}`);
});

try {
  program.parse();
} catch (err) {
  console.error(`alerts/render.ts: ${(err as Error).message}`);
  process.exitCode = 1;
}
