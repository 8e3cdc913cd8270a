// What each trading page shows and how live events change it (the admin's pages are in admin-views.js).
/* global document, window */
import { audit, users } from "./admin-views.js";
import { candleChart, lineChart } from "./charts.js";
import { debounce, fill, h, num, okData, pct, problem, table, time } from "./dom.js";

const feedLine = (e) => h("li", { class: `sev-${e.severity}` }, h("time", {}, time(e.tsMs)), " ", h("span", { class: "topic" }, e.topic), " ", e.title);

// ---- overview -------------------------------------------------------------------------------
let equity = null;
const overview = {
  refreshMs: 15_000,
  async load({ api }) {
    const v = await api("GET", "/api/views/overview");
    const status = okData(v.brain);
    if (status) {
      const eq = status.equity.equityUsd;
      const sod = status.equity.startOfDayEquityUsd;
      const b = status.breaker;
      fill(
        "account",
        table(
          [["Figure", (r) => r[0]], ["Value", (r) => r[1]], ["Limit", (r) => r[2] ?? ""]],
          [
            ["Equity (USD)", num(eq), `min ${num(b.limits.hardMinEquityUsd)}`],
            ["Daily PnL (USD)", sod === null ? "–" : num(eq - sod), ""],
            ["Daily drawdown", pct(b.figures.dailyDrawdownFraction), `breaker at ${pct(b.limits.hardDailyDrawdownRatio)}`],
            ["Consecutive losses", String(b.figures.consecutiveLosses), `soft breaker at ${b.limits.softConsecutiveLosses}`],
            ["Breaker", b.active ?? "not tripped", ""],
          ],
        ),
      );
      const ts = status.tradingState;
      const exec = okData(v.execution);
      // The state in force is the more restrictive of the brain's and execution's (which also enforces its own causes).
      const worst = ["HALTED", "REDUCING", "ACTIVE"].find((st) => st === ts.state || st === exec?.state) ?? ts.state;
      const causes = [...ts.causes.map((c) => ({ ...c, where: "brain" })), ...(exec?.own ?? []).map((c) => ({ ...c, where: "execution" }))];
      fill(
        "trading-state",
        h("p", { class: `state state-${worst}`, id: "trading-state-name" }, worst, h("span", { class: "muted" }, ` (brain ${ts.state}${exec ? `, execution ${exec.state}` : ""})`)),
        table([["Cause", (c) => c.cause], ["State", (c) => c.state], ["Held by", (c) => c.where], ["Raised by", (c) => (c.raisedBy ? `${c.raisedBy.kind}:${c.raisedBy.id}` : "")], ["Since", (c) => time(c.raisedAtMs)], ["Detail", (c) => c.detail ?? ""]], causes, { empty: "no restriction: trading is active" }),
      );
      const a = status.allocation;
      fill(
        "allocation",
        h("p", {}, `Tier ${a.tier.name} (leverage cap ${a.tier.leverageCap}×), weights from ${a.source}${a.override ? `, override until ${time(a.override.expiresAtMs)}` : ""}`),
        table([["Phase", (p) => String(p)], ["Weight", (p) => pct(a.weights[p])], ["Allocated", (p) => pct(a.allocated[p])], ["Allocated (USD)", (p) => num(a.allocated[p] * eq)], ["Registered", (p) => (a.registeredPhases.includes(p) ? "yes" : "no")]], [1, 2, 3]),
      );
      if (equity) equity.add(Math.floor(v.tsMs / 1000), eq);
    } else fill("account", problem(v.brain));
    fill("health", table([["Service", (s) => s.service], ["Status", (s) => h("span", { class: `status-${s.status}` }, s.status)], ["Detail", (s) => s.detail ?? ""]], v.health, { key: (s) => s.service }));
    const kpis = okData(v.kpis);
    fill(
      "kpis",
      kpis
        ? table(
            [["KPI", (k) => k.title], ["Value", (k) => (k.value === null ? "no data" : k.unit === "ratio" ? pct(k.value) : k.unit === "seconds" ? `${num(k.value * 1000, 1)} ms` : num(k.value, 0))], ["Target", (k) => `${k.bound === "max" ? "≤" : "≥"} ${k.unit === "ratio" ? pct(k.threshold) : k.unit === "seconds" ? `${num(k.threshold * 1000, 0)} ms` : k.threshold}`], ["Met", (k) => h("span", { class: k.meets === null ? "muted" : k.meets ? "status-ok" : "status-fail" }, k.meets === null ? "–" : k.meets ? "yes" : "NO")]],
            kpis,
            { key: (k) => k.id },
          )
        : problem(v.kpis),
    );
  },
  wire() {
    const el = document.getElementById("equity-chart");
    if (el && window.LightweightCharts) equity = lineChart(el);
    fill("feed", h("ol", { id: "feed-list", class: "feed" }));
  },
  onEvent(e, _ctx, reload) {
    if (e.topic !== "system") {
      const list = document.getElementById("feed-list");
      list?.prepend(feedLine(e));
      while (list && list.children.length > 50) list.lastChild.remove();
    }
    if (e.topic === "equity" && equity && e.data && typeof e.data.equityUsd === "number") equity.add(Math.floor(e.tsMs / 1000), e.data.equityUsd);
    if (e.topic === "trading-state" || e.topic === "breaker") reloadSoon(reload);
  },
};
let reloadTimer = null;
const reloadSoon = (reload) => {
  if (reloadTimer !== null) return;
  reloadTimer = window.setTimeout(() => {
    reloadTimer = null;
    reload();
  }, 500);
};

// ---- positions and orders -------------------------------------------------------------------
const positionRows = new Map();
const renderPositions = () => {
  const rows = [...positionRows.values()].filter((p) => p.side !== "flat" && p.qty > 0).sort((a, b) => a.symbol.localeCompare(b.symbol));
  fill(
    "positions",
    table(
      [["Symbol", (p) => p.symbol], ["Side", (p) => p.side], ["Qty", (p) => String(p.qty)], ["Entry", (p) => num(p.entryPriceUsd, 4)], ["Mark", (p) => num(p.markPriceUsd, 4)], ["Notional (USD)", (p) => num(p.notionalUsd)], ["Unrealised PnL (USD)", (p) => num(p.unrealisedPnlUsd)], ["Updated", (p) => time(p.tsMs)]],
      rows,
      { key: (p) => p.symbol, empty: "no open position" },
    ),
  );
};
const orderColumns = [["Client order id", (o) => o.clientOrderId], ["Symbol", (o) => o.symbol], ["Side", (o) => o.side], ["Type", (o) => o.orderType], ["Status", (o) => o.status], ["Filled / qty", (o) => `${o.filledQty} / ${o.orderQty}`], ["Avg price", (o) => num(o.avgFillPriceUsd, 4)], ["Updated", (o) => time(o.updatedTsMs)]];
let reloadOrdersSoon = null;
const positions = {
  refreshMs: 30_000,
  async load({ api }) {
    const v = await api("GET", "/api/views/positions");
    const p = okData(v.positions);
    if (p) {
      positionRows.clear();
      for (const pos of p.positions) positionRows.set(pos.symbol, pos);
      renderPositions();
    } else fill("positions", problem(v.positions));
    const o = okData(v.orders);
    fill("open-orders", o ? table(orderColumns, o.open, { key: (r) => r.clientOrderId, empty: "no open order" }) : problem(v.orders));
    fill("recent-orders", o ? table(orderColumns, o.recent, { key: (r) => r.clientOrderId }) : null);
  },
  onEvent(e, _ctx, reload) {
    // A position snapshot replaces its symbol's row at once; orders and fills reload the lists.
    if (e.topic === "position" && e.data && typeof e.data.qty === "number" && "side" in e.data && !("tradeId" in e.data)) {
      const prev = positionRows.get(e.data.symbol);
      if (!prev || prev.tsMs <= e.data.tsMs) positionRows.set(e.data.symbol, e.data);
      renderPositions();
    }
    if (e.topic === "order" || e.topic === "fill") {
      reloadOrdersSoon ??= debounce(reload, 1_000);
      reloadOrdersSoon();
    }
  },
};

// ---- signals and decisions ------------------------------------------------------------------
const decisionColumns = [["Decided", (d) => time(d.decidedAtMs ?? d.tsMs)], ["Symbol", (d) => d.symbol], ["Side", (d) => d.side], ["Phase", (d) => String(d.phase)], ["Outcome", (d) => h("span", { class: d.outcome === "approved" ? "status-ok" : "status-warn" }, d.outcome)], ["Requested (USD)", (d) => num(d.requestedNotionalUsd)], ["Authorised (USD)", (d) => num(d.authorisedNotionalUsd)], ["Reason", (d) => [d.reason, d.detail].filter(Boolean).join(": ")]];
const signalColumns = [["At", (s) => time(s.signalAtMs ?? s.tsMs)], ["Symbol", (s) => s.symbol], ["Trap", (s) => s.trapType], ["Side", (s) => s.side], ["Requested (USD)", (s) => num(s.requestedNotionalUsd)], ["Config version", (s) => String(s.configVersion ?? "–")]];
let decisionList = [];
let signalList = [];
const signals = {
  refreshMs: 30_000,
  async load({ api }) {
    const v = await api("GET", "/api/views/signals");
    decisionList = okData(v.decisions)?.decisions ?? [];
    signalList = okData(v.signals)?.recent ?? [];
    fill("decisions", problem(v.decisions), table(decisionColumns, decisionList, { key: (d) => d.decisionId }));
    fill("recent-signals", problem(v.signals), table(signalColumns, signalList, { key: (s) => s.signalId }));
  },
  onEvent(e) {
    if (e.topic === "decision" && e.data) {
      decisionList = [{ ...e.data, decidedAtMs: e.tsMs, reason: e.data.reason ?? null }, ...decisionList.filter((d) => d.decisionId !== e.data.decisionId)].slice(0, 200);
      fill("decisions", table(decisionColumns, decisionList, { key: (d) => d.decisionId }));
    }
    if (e.topic === "signal" && e.data) {
      signalList = [e.data, ...signalList.filter((s) => s.signalId !== e.data.signalId)].slice(0, 100);
      fill("recent-signals", table(signalColumns, signalList, { key: (s) => s.signalId }));
    }
  },
};

// ---- traps ----------------------------------------------------------------------------------
let trapChart = null;
let trapList = [];
const showChart = async (api) => {
  const select = document.getElementById("chart-symbol");
  const symbol = select?.value;
  if (!symbol || !trapChart) return;
  const k = await api("GET", `/api/klines?symbol=${encodeURIComponent(symbol)}&interval=1m&limit=240`);
  trapChart.setBars(k.bars);
  trapChart.setLevels(trapList.filter((t) => t.symbol === symbol).map((t) => ({ price: t.triggerPriceUsd, title: `${t.trapType} ${t.side}` })));
};
const traps = {
  refreshMs: 15_000,
  async load({ api }) {
    const v = await api("GET", "/api/views/traps");
    const d = okData(v.traps);
    trapList = d?.traps ?? [];
    fill(
      "traps",
      problem(v.traps),
      d ? h("p", { class: "muted" }, `parameters v${d.configVersion ?? "–"}, recomputed ${time(d.lastRecomputeTsMs)}`) : null,
      table(
        [["Symbol", (t) => t.symbol], ["Trap", (t) => t.trapType], ["Side", (t) => t.side], ["Level", (t) => num(t.levelPriceUsd, 4)], ["Trigger", (t) => num(t.triggerPriceUsd, 4)], ["Last price", (t) => num(t.lastPriceUsd, 4)], ["Distance", (t) => (t.distanceToTriggerPercent === null ? "–" : `${num(t.distanceToTriggerPercent, 3)} %`)], ["Confidence", (t) => num(t.confidence, 0)], ["Stop", (t) => num(t.stopLossPriceUsd, 4)], ["Target", (t) => num(t.takeProfitPriceUsd, 4)]],
        trapList,
        { empty: "no armed trap" },
      ),
    );
    const select = document.getElementById("chart-symbol");
    const symbols = [...new Set([...trapList.map((t) => t.symbol), ...(select ? [...select.options].map((o) => o.value) : [])])].sort();
    if (select && symbols.length > 0 && select.options.length !== symbols.length) {
      const current = select.value;
      select.replaceChildren(...symbols.map((s) => h("option", { value: s }, s)));
      if (symbols.includes(current)) select.value = current;
    }
    await showChart(api);
  },
  wire({ api }) {
    const el = document.getElementById("trap-chart");
    if (el && window.LightweightCharts) trapChart = candleChart(el);
    document.getElementById("chart-symbol")?.addEventListener("change", () => void showChart(api));
  },
};

// ---- circuit breaker ------------------------------------------------------------------------
const breaker = {
  refreshMs: 15_000,
  async load({ api }) {
    const v = await api("GET", "/api/views/breaker");
    const b = okData(v.breaker);
    fill(
      "breaker-state",
      problem(v.breaker),
      b
        ? table(
            [["", (r) => r[0]], ["", (r) => r[1]]],
            [
              ["Active", b.active ?? "not tripped"],
              ["HARD trip", b.hard ? `${b.hard.trigger} at ${time(b.hard.trippedAtMs)}: ${b.hard.detail}` : "–"],
              ["SOFT trip", b.soft ? `at ${time(b.soft.trippedAtMs)}, resets ${time(b.soft.resetsAtMs)}: ${b.soft.detail}` : "–"],
              ["Equity (USD)", `${num(b.figures.equityUsd)} (start of day ${num(b.figures.startOfDayEquityUsd)})`],
              ["Daily drawdown", `${pct(b.figures.dailyDrawdownFraction)} of ${pct(b.limits.hardDailyDrawdownRatio)}`],
              ["Minimum equity (USD)", num(b.limits.hardMinEquityUsd)],
              ["Consecutive losses", `${b.figures.consecutiveLosses} of ${b.limits.softConsecutiveLosses}`],
            ],
          )
        : null,
    );
    const history = okData(v.history) ?? [];
    fill("breaker-history", problem(v.history), table([["At", (e) => time(e.tsMs)], ["Breaker", (e) => e.breaker], ["Action", (e) => e.action], ["Trigger", (e) => e.trigger], ["By", (e) => `${e.actor.kind}:${e.actor.id}`], ["Detail", (e) => e.detail]], history, { empty: "no trip or reset recorded on the bus" }));
  },
  onEvent(e, _ctx, reload) {
    if (e.topic === "breaker") reloadSoon(reload);
  },
};

// ---- AI Quant proposals ---------------------------------------------------------------------
const figureRows = (p) => [
  ["Trades", (f) => String(f.trades)],
  ["Net PnL (USD)", (f) => num(f.netPnlUsd)],
  ["Return", (f) => pct(f.returnFraction)],
  ["Sharpe", (f) => num(f.sharpe)],
  ["Max drawdown", (f) => pct(f.maxDrawdownFraction)],
  ["Win rate", (f) => pct(f.winRate)],
  ["Profit factor", (f) => num(f.profitFactor)],
].map(([label, cell]) => [label, ...p.map((f) => (f ? cell(f) : "–"))]);

const showProposal = async (ctx, id, reload) => {
  const section = document.getElementById("proposal-detail");
  const v = await ctx.api("GET", `/api/views/proposals/${id}`);
  const p = okData(v.proposal);
  section.hidden = false;
  const body = section.querySelector(".body");
  if (!p) return body.replaceChildren(problem(v.proposal));
  const content = p.content ?? {};
  const inSample = content.inSample ?? content.figures?.inSample ?? null;
  const rows = figureRows([inSample, p.outOfSample, p.baselineOutOfSample]);
  const decide = ["operator", "admin"].includes(ctx.role) && p.status === "pending";
  const form = decide
    ? h("form", { id: "proposal-decision", autocomplete: "off" }, h("label", {}, "Reason ", h("input", { name: "reason", required: true, maxlength: 1000 })), h("button", { type: "submit", name: "decision", value: "approve" }, "Approve"), " ", h("button", { type: "submit", name: "decision", value: "reject", class: "danger" }, "Reject"), h("output", { class: "result" }))
    : null;
  body.replaceChildren(
    h("p", {}, `Status ${p.status}; base version v${p.baseConfigVersion}${p.appliedConfigVersion ? `; applied as v${p.appliedConfigVersion}` : ""}${p.decidedBy ? `; decided by ${p.decidedBy.name ?? p.decidedBy.id}` : ""}`),
    h("h3", {}, "Parameter changes"),
    table([["Parameter", (c) => c.parameter], ["Current", (c) => String(c.fromValue)], ["Proposed", (c) => String(c.toValue)]], p.changes),
    h("h3", {}, "Backtest figures"),
    table([["", (r) => r[0]], ["In-sample (proposed)", (r) => r[1]], ["Out-of-sample (proposed)", (r) => r[2]], ["Out-of-sample (current)", (r) => r[3]]], rows),
    h("h3", {}, "Equity curves"),
    h("img", { src: `/api/proposals/${p.proposalId}/equity.svg`, alt: "equity curves, current against proposed", class: "equity-svg" }),
    form,
  );
  form?.addEventListener("submit", async (e) => {
    e.preventDefault();
    const decision = e.submitter?.value ?? "approve";
    const out = form.querySelector("output");
    try {
      const res = await ctx.api("POST", `/api/proposals/${p.proposalId}/${decision}`, { reason: form.elements.namedItem("reason").value.trim() });
      await reload();
      await showProposal(ctx, p.proposalId, reload);
      const shown = document.querySelector("#proposal-detail .body");
      shown?.append(h("output", { id: "proposal-outcome", "data-kind": "ok" }, `${res.status}${res.configVersion ? `: scavenger now on v${res.configVersion}` : ""}`));
    } catch (err) {
      out.textContent = `refused: ${err.message}`;
      out.dataset.kind = "error";
    }
  });
};

const proposals = {
  refreshMs: 30_000,
  async load(ctx) {
    const v = await ctx.api("GET", "/api/views/proposals");
    const versions = okData(v.versions);
    fill("active-version", problem(v.versions), versions ? h("p", { id: "active-config-version" }, `Active version: v${versions.activeVersion ?? "–"} (applied v${versions.appliedVersion ?? "–"})`) : null);
    const list = okData(v.proposals)?.proposals ?? [];
    fill(
      "proposal-list",
      problem(v.proposals),
      table(
        [["Created", (p) => time(p.createdAtMs)], ["Status", (p) => p.status], ["Changes", (p) => p.changes.map((c) => `${c.parameter} ${c.fromValue}→${c.toValue}`).join(", ")], ["OOS PnL (USD)", (p) => `${num(p.outOfSample.netPnlUsd)} vs ${num(p.baselineOutOfSample.netPnlUsd)}`], ["", (p) => h("button", { type: "button", "data-proposal": p.proposalId, onclick: () => void showProposal(ctx, p.proposalId, () => proposals.load(ctx)) }, "Open")]],
        list,
        { key: (p) => p.proposalId, empty: "no proposal" },
      ),
    );
  },
  onEvent(e, _ctx, reload) {
    if (e.topic === "proposal" || e.topic === "config") reloadSoon(reload);
  },
};

// ---- alerts ---------------------------------------------------------------------------------
const alerts = {
  refreshMs: 15_000,
  async load({ api }) {
    const v = await api("GET", "/api/views/alerts");
    const list = okData(v.alerts) ?? [];
    fill("alert-list", problem(v.alerts), table([["Alert", (a) => a.name], ["Severity", (a) => h("span", { class: `sev-${a.severity}` }, a.severity)], ["State", (a) => a.state], ["Since", (a) => time(a.startsAtMs)], ["Summary", (a) => a.summary], ["Runbook", (a) => (a.runbookUrl ? h("a", { href: a.runbookUrl, rel: "noopener" }, "runbook") : "")]], list, { empty: "no active alert" }));
  },
};

export const PAGE_VIEWS = { overview, positions, signals, traps, breaker, proposals, alerts, audit, users };
