// `titanctl halt | resume | flatten | cancel-all | positions | orders | reconcile`: execution's emergency
// controls and views, through its API behind the entry point (https://<api>/api/execution/...). Views
// need a viewer; the controls need an operator, with a reason that lands in the audit log.
import type { Command } from "commander";
import { callJson } from "../http-client.js";
import type { CliContext } from "../context.js";

interface PositionView {
  symbol: string;
  side: string;
  qty: number;
  entryPriceUsd: number | null;
  markPriceUsd: number | null;
  unrealisedPnlUsd: number;
  realisedPnlUsd: number;
}

interface OrderView {
  clientOrderId: string;
  symbol: string;
  side: string;
  orderType: string;
  status: string;
  orderQty: number;
  filledQty: number;
  limitPriceUsd: number | null;
  updatedTsMs: number;
}

interface CommandView {
  clientOrderId: string;
  symbol: string;
  status: string;
  refusalReason: string | null;
  receivedAtMs: number;
}

interface Mismatch {
  kind: string;
  subject: string;
  symbol: string;
  orderId?: string;
  shadow: string;
  exchange: string;
}

interface ReconcileAnswer {
  run: { outcome: string; finishedAtMs: number; mismatches: Mismatch[]; detail: string | null };
  status: { consecutiveMismatching: number; lastCleanAtMs: number | null; haltAfterCycles: number };
}

interface StateView {
  state: string;
  own: Array<{ cause: string; state: string; detail: string }>;
  brain: Array<{ cause: string; state: string; detail: string }>;
}

interface ControlRunView {
  runId: string;
  kind: string;
  status: string;
  rounds: number;
  seconds?: number | null;
  detail: string | null;
}

const iso = (ms: number | null | undefined): string => (ms ? new Date(ms).toISOString().replace(/\.\d+Z$/, "Z") : "-");
const num = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined ? "-" : v.toFixed(digits));

const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
};

export const renderPositions = (positions: readonly PositionView[]): string => {
  const open = positions.filter((p) => p.side !== "flat");
  if (open.length === 0) return "no open positions";
  return table(
    ["SYMBOL", "SIDE", "QTY", "ENTRY", "MARK", "UPNL USD", "RPNL USD"],
    open.map((p) => [p.symbol, p.side, String(p.qty), num(p.entryPriceUsd), num(p.markPriceUsd), num(p.unrealisedPnlUsd), num(p.realisedPnlUsd)]),
  );
};

export const renderOrders = (open: readonly OrderView[], commands: readonly CommandView[]): string => {
  const orders = open.length === 0 ? "no open orders" : table(
    ["CLIENT ORDER ID", "SYMBOL", "SIDE", "TYPE", "STATUS", "QTY", "FILLED", "LIMIT", "UPDATED"],
    open.map((o) => [o.clientOrderId, o.symbol, o.side, o.orderType, o.status, String(o.orderQty), String(o.filledQty), num(o.limitPriceUsd), iso(o.updatedTsMs)]),
  );
  const pending = commands.filter((c) => c.status === "pending");
  return pending.length === 0 ? orders : `${orders}\n\n${pending.length} command(s) waiting for the venue:\n${table(["CLIENT ORDER ID", "SYMBOL", "RECEIVED"], pending.map((c) => [c.clientOrderId, c.symbol, iso(c.receivedAtMs)]))}`;
};

export const renderReconcile = (a: ReconcileAnswer): string => {
  const head = `reconciliation ${a.run.outcome} at ${iso(a.run.finishedAtMs)}; ${a.status.consecutiveMismatching}/${a.status.haltAfterCycles} mismatching cycles in a row; last clean ${iso(a.status.lastCleanAtMs)}`;
  if (a.run.outcome === "failed") return `${head}\n${a.run.detail ?? ""}`;
  if (a.run.mismatches.length === 0) return head;
  return `${head}\n${table(["KIND", "WHAT", "SYMBOL", "SHADOW", "EXCHANGE"], a.run.mismatches.map((m) => [m.kind, m.orderId ? `order ${m.orderId}` : m.subject, m.symbol, m.shadow, m.exchange]))}`;
};

export const renderState = (s: StateView): string => {
  const causes = [...s.own.map((c) => ({ ...c, by: "execution" })), ...s.brain.map((c) => ({ ...c, by: "brain" }))];
  return causes.length === 0 ? `trading ${s.state}` : `trading ${s.state}\n${table(["CAUSE", "STATE", "HELD BY", "DETAIL"], causes.map((c) => [c.cause, c.state, c.by, c.detail]))}`;
};

export const renderRun = (r: ControlRunView): string =>
  `${r.kind} ${r.runId}: ${r.status}${r.seconds !== undefined && r.seconds !== null ? ` in ${r.seconds.toFixed(2)} s` : ""}${r.rounds ? `, ${r.rounds} round(s)` : ""}${r.detail ? ` (${r.detail})` : ""}`;

export const registerExecutionCommands = (program: Command, ctx: () => CliContext): void => {
  const api = (c: CliContext, path: string) => `${c.apiUrl}/api/execution${path}`;
  const post = <T>(path: string, body?: unknown) => {
    const c = ctx();
    return callJson<T>(api(c, path), { ...c.request(), method: "POST", ...(body === undefined ? {} : { body }), timeoutMs: 120_000 });
  };
  const get = <T>(path: string) => {
    const c = ctx();
    return callJson<T>(api(c, path), c.request());
  };

  program
    .command("halt")
    .description("halt trading: only cancels and reduce-only orders pass (operator)")
    .requiredOption("--reason <text>", "why (audited)")
    .action(async (opts: { reason: string }) => console.log(renderState(await post<StateView>("/halt", { reason: opts.reason }))));

  program
    .command("resume")
    .description("clear the operator halt and, after a clean reconciliation, the reconciliation halt (operator)")
    .requiredOption("--reason <text>", "why (audited)")
    .action(async (opts: { reason: string }) => {
      const answer = await post<StateView & { cleared: string[] }>("/resume", { reason: opts.reason });
      console.log(`cleared: ${answer.cleared.join(", ") || "nothing"}\n${renderState(answer)}`);
    });

  program
    .command("flatten")
    .description("flatten all: halt, cancel every order, close every position at market until the venue confirms flat (operator)")
    .option("--confirm", "required: this closes every position at market")
    .requiredOption("--reason <text>", "why (audited)")
    .option("--symbol <symbol>", "only this symbol")
    .option("--wait-seconds <n>", "how long to wait for the venue to confirm flat", "60")
    .action(async (opts: { confirm?: boolean; reason: string; symbol?: string; waitSeconds: string }) => {
      if (!opts.confirm) {
        console.error("titanctl: flatten closes every position at market; run it again with --confirm");
        process.exitCode = 2;
        return;
      }
      const run = await post<ControlRunView>("/flatten", { reason: opts.reason, confirm: true, waitSeconds: Number(opts.waitSeconds), ...(opts.symbol ? { symbol: opts.symbol } : {}) });
      console.log(renderRun(run));
      if (run.status !== "done") process.exitCode = 1;
    });

  program
    .command("cancel-all")
    .description("cancel every open order, or one symbol's (operator)")
    .requiredOption("--reason <text>", "why (audited)")
    .option("--symbol <symbol>", "only this symbol")
    .action(async (opts: { reason: string; symbol?: string }) => {
      const run = await post<ControlRunView>("/cancel-all", { reason: opts.reason, ...(opts.symbol ? { symbol: opts.symbol } : {}) });
      console.log(renderRun(run));
      if (run.status !== "done") process.exitCode = 1;
    });

  program
    .command("positions")
    .description("execution's shadow positions")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { positions } = await get<{ positions: PositionView[] }>("/positions");
      console.log(opts.json ? JSON.stringify(positions, null, 2) : renderPositions(positions));
    });

  program
    .command("orders")
    .description("open orders and commands waiting for the venue")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const answer = await get<{ open: OrderView[]; commands: CommandView[] }>("/orders");
      console.log(opts.json ? JSON.stringify(answer, null, 2) : renderOrders(answer.open, answer.commands));
    });

  program
    .command("reconcile")
    .description("reconcile with the venue now and show the result (operator)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const answer = await post<ReconcileAnswer>("/reconcile");
      console.log(opts.json ? JSON.stringify(answer, null, 2) : renderReconcile(answer));
      if (answer.run.outcome !== "clean") process.exitCode = 1;
    });
};
