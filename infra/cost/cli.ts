// `npm run cost`: prices the synthesised stacks, prints a table (or Markdown, or JSON), writes
// build/cost/<stack>.json and .md, and with --base prices a base revision too and prints the delta
// per resource, ready to post on a pull request. See infra/cost/README.md.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { STACK_NAMES, type StackName } from "../config.js";
import { diffEstimates, type StackDelta } from "./delta.js";
import { UnpricedResourceError, estimate, type Estimate } from "./estimate.js";
import { parseObserved, parseVpaList, queryPrometheus, type ObservedUsage, type VpaTarget } from "./observed.js";
import { pushEstimate } from "./pushgateway.js";
import { recommend } from "./recommendations/index.js";
import { renderDeltaMarkdown, renderDeltaText, renderJson, renderMarkdown, renderText, type StackReport } from "./report.js";
import { readSynthDir, stacksInDir, synthAtRef, synthGraph, type StackGraph } from "./sources.js";
import { loadUsage, usageFileFor, type Usage } from "./usage.js";

const REPO_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Unix seconds, for the Pushgateway's timestamp gauge. */
  readonly nowSeconds: () => number;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  nowSeconds: () => Math.floor(Date.now() / 1000),
};

interface Options {
  stack: StackName | "all";
  base?: string;
  head?: string;
  format: "table" | "markdown" | "json";
  usage?: string;
  observed?: string;
  observedWindow: string;
  vpa?: string;
  out: string;
  push?: string;
}

function program(): Command {
  return new Command()
    .name("cost")
    .description("Monthly cost of the synthesised stacks per resource, component and service, with recommendations; with --base, the delta of a change")
    .addOption(new Option("--stack <stack>", "stack to price").choices([...STACK_NAMES, "all"]).default("all"))
    .option("--base <ref|dir>", "also price a base: a git revision (synthesised in a temporary worktree) or a folder written by npm run synth (<dir>/<stack>/resources.json); prints the delta")
    .option("--head <dir>", "price the synth in this folder instead of synthesising the working tree")
    .addOption(new Option("--format <format>", "what to print").choices(["table", "markdown", "json"]).default("table"))
    .option("--usage <file>", "usage file (default infra/cost/usage/<stack>.yaml; only with one stack)")
    .option("--observed <url|file>", "observed use for right-sizing: a Prometheus base URL (answers saved to <out>/observed.json) or such a saved file")
    .option("--observed-window <duration>", "range of the observed p95", "7d")
    .option("--vpa <file>", "VPA recommendations: the output of kubectl get vpa -A -o json")
    .option("--out <dir>", "where <stack>.json, <stack>.md (and delta-<stack>.md) go", join(REPO_DIR, "build", "cost"))
    .option("--push <url>", "push the estimate to this Pushgateway for the Grafana cost dashboard")
    .addHelpText("after", [
      "",
      "Examples:",
      "  npm run cost -- --stack prod",
      "  npm run cost -- --stack prod --base origin/main",
      "  npm run cost -- --base build/synth-base --head build/synth-head --format markdown   (the PR workflow)",
      "  npm run cost -- --stack prod --observed http://127.0.0.1:9090 --vpa vpa.json",
      "",
      "Exit 1 when a resource cannot be priced (listed), 2 on bad arguments.",
    ].join("\n"));
}

async function observedFrom(opts: Options, io: CliIo): Promise<ObservedUsage | undefined> {
  if (!opts.observed) return undefined;
  if (/^https?:\/\//.test(opts.observed)) {
    io.err(`querying ${opts.observed} for p95 use over ${opts.observedWindow}...`);
    const saved = await queryPrometheus(opts.observed, opts.observedWindow);
    mkdirSync(opts.out, { recursive: true });
    const file = join(opts.out, "observed.json");
    writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
    io.err(`saved the answers to ${relative(process.cwd(), file)} (reuse with --observed ${relative(process.cwd(), file)})`);
    return parseObserved(saved, opts.observed);
  }
  return parseObserved(JSON.parse(readFileSync(opts.observed, "utf8")) as unknown, opts.observed);
}

const vpaFrom = (opts: Options): VpaTarget[] | undefined => (opts.vpa ? parseVpaList(JSON.parse(readFileSync(opts.vpa, "utf8")) as unknown, opts.vpa) : undefined);

async function headGraphs(opts: Options, stacks: readonly StackName[], io: CliIo): Promise<StackGraph[]> {
  if (opts.head) {
    const present = stacksInDir(opts.head, stacks);
    if (present.length === 0) throw new Error(`--head ${opts.head}: no <stack>/resources.json for ${stacks.join(", ")}`);
    return present.map((s) => readSynthDir(opts.head as string, s) as StackGraph);
  }
  const graphs: StackGraph[] = [];
  for (const stack of stacks) {
    io.err(`synthesising ${stack}...`);
    graphs.push(await synthGraph(stack));
  }
  return graphs;
}

async function baseGraphs(base: string, stacks: readonly string[], io: CliIo): Promise<Map<string, StackGraph>> {
  if (existsSync(base) && statSync(base).isDirectory()) {
    return new Map(stacks.flatMap((s) => {
      const g = readSynthDir(base, s);
      return g ? [[s, g] as const] : [];
    }));
  }
  return synthAtRef(base, stacks, io.err);
}

export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const cmd = program().exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    cmd.parse([...argv], { from: "user" });
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const opts = cmd.opts<Options>();
  opts.out = resolve(opts.out);
  const stacks: StackName[] = opts.stack === "all" ? [...STACK_NAMES] : [opts.stack];
  if (opts.usage && stacks.length > 1) {
    io.err("--usage needs a single --stack");
    return 2;
  }
  try {
    const [observed, vpa] = [await observedFrom(opts, io), vpaFrom(opts)];
    const usageFor = (stack: string): Usage => loadUsage(opts.usage ?? usageFileFor(stack));
    const heads = await headGraphs(opts, stacks, io);
    mkdirSync(opts.out, { recursive: true });
    const reports: StackReport[] = [];
    for (const graph of heads) {
      const usage = usageFor(graph.stack);
      const e = estimate(graph.resources, { stack: graph.stack, usage });
      const report: StackReport = { stack: graph.stack, source: graph.source, estimate: e, findings: recommend({ estimate: e, resources: graph.resources, usage, ...(observed ? { observed } : {}), ...(vpa ? { vpa } : {}) }) };
      reports.push(report);
      for (const [ext, text] of [["json", renderJson(report)], ["md", renderMarkdown(report)]] as const) writeFileSync(join(opts.out, `${graph.stack}.${ext}`), text);
      io.err(`wrote ${relative(process.cwd(), join(opts.out, graph.stack))}.json and .md`);
    }
    if (opts.push) {
      for (const r of reports) io.err(`pushed ${r.stack} to ${await pushEstimate(opts.push, r.estimate, r.findings, io.nowSeconds())}`);
    }
    if (!opts.base) {
      const render = { table: renderText, markdown: renderMarkdown, json: renderJson }[opts.format];
      io.out(reports.map(render).join("\n"));
      return 0;
    }
    const bases = await baseGraphs(opts.base, reports.map((r) => r.stack), io);
    const deltas: StackDelta[] = [];
    const notes: string[] = [];
    for (const r of reports) {
      const base = bases.get(r.stack);
      let baseEstimate: Estimate | undefined;
      if (base) {
        try {
          baseEstimate = estimate(base.resources, { stack: r.stack, usage: usageFor(r.stack) });
        } catch (error) {
          notes.push(`the base of ${r.stack} cannot be priced with today's table, so its delta counts the whole head: ${(error as Error).message.split("\n")[0]}`);
        }
      } else notes.push(`${opts.base} has no ${r.stack} synth: the delta is the whole head cost`);
      const delta = diffEstimates(r.stack, baseEstimate, r.estimate);
      deltas.push(delta);
      writeFileSync(join(opts.out, `delta-${r.stack}.md`), renderDeltaMarkdown(delta));
    }
    if (opts.format === "json") io.out(`${JSON.stringify({ base: opts.base, deltas, notes }, null, 2)}\n`);
    else if (opts.format === "markdown") {
      io.out([
        `Both sides priced with the head's price table (infra/cost/prices.ts) and usage files, so the delta is the change's own. Monthly, USD, on-demand.`,
        "",
        ...deltas.map(renderDeltaMarkdown),
        ...notes.map((n) => `> ${n}`),
      ].join("\n"));
    } else io.out([...deltas.map(renderDeltaText), ...notes].join("\n"));
    return 0;
  } catch (error) {
    io.err(error instanceof UnpricedResourceError ? error.message : `cost: ${(error as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
