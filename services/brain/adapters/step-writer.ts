// Writes what a state step produced, inside the step's transaction: history rows, audit events for what
// the brain changed by itself, and the messages it must publish, through the outbox. The new state row
// is saved by the caller in the same transaction, so all of it commits or none of it does.
import { publishInTransaction } from "../../shared/bus.js";
import { appendAudit, type AuditTransaction } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import type { Queryable } from "../../shared/db/database.js";
import { effectiveState } from "../domain/index.js";
import { equityUsd, type BrainState } from "../state/brain-state.js";
import type { Step } from "../state/transitions.js";

const BRAIN_ACTOR = { kind: "service", id: "brain", name: "brain" } as const;
const json = (value: unknown): string => JSON.stringify(value);

/** The audit log needs the transaction's own connection (its advisory lock lives until commit). */
export function auditTx(tx: Queryable): AuditTransaction {
  if (!("client" in tx)) throw new Error("audit events are written inside a transaction");
  return tx as AuditTransaction;
}

/** `fill-already-booked`: the step's fill has a row already (the same report delivered twice); nothing was written. */
export type StepWrite = "written" | "fill-already-booked";

export async function writeStepOutputs(tx: Queryable, before: BrainState, step: Step, clock: Clock, correlationId?: string): Promise<StepWrite> {
  const { out, state } = step;
  const nowMs = clock.nowMs();
  const publish = { source: "brain" as const, clock, ...(correlationId ? { correlationId } : {}) };

  // Fills first: the fill row's key is the duplicate check (no lookup before it), so a fill booked
  // already is found before anything else of the step is written.
  for (const [i, f] of out.fills.entries()) {
    const { rows } = await tx.query(
      "brain_fill_insert",
      `INSERT INTO fills (fill_id, report_id, client_order_id, symbol, side, qty, price_usd, fee_usd, realised_pnl_usd, phase, ts_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (fill_id) DO NOTHING RETURNING 1 AS inserted`,
      [f.fillId, f.reportId, f.clientOrderId, f.symbol, f.side, f.qty, f.priceUsd, f.feeUsd, f.realisedPnlUsd, f.phase, f.tsMs],
    );
    if (rows.length > 0) continue;
    if (i === 0) return "fill-already-booked";
    // A step books one report's fill; were there several, half of them written must not commit.
    throw new Error(`fill ${f.fillId} is booked already, after ${i} other fill(s) of the same step were written`);
  }

  for (const event of out.breakerEvents) {
    await tx.query(
      "brain_breaker_event_insert",
      `INSERT INTO breaker_events (event_id, breaker, action, trigger, actor, detail, figures, resets_at_ms, ts_ms)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9) ON CONFLICT (event_id) DO NOTHING`,
      [event.eventId, event.breaker, event.action, event.trigger, json(event.actor), event.detail, json(event.figures), event.resetsAtMs ?? null, event.tsMs],
    );
    await publishInTransaction(tx, "breaker-event", event, { ...publish, id: event.eventId });
    // An operator's reset is audited by the route with the operator as actor; the brain's own acts here.
    if (event.actor.kind !== "operator") {
      await appendAudit(
        auditTx(tx),
        {
          actor: { kind: event.actor.kind, id: event.actor.id, name: event.actor.id },
          service: "brain",
          action: `breaker.${event.action}`,
          target: `breaker:${event.breaker}`,
          reason: event.detail,
          before: { hard: before.breaker.hard, soft: before.breaker.soft },
          after: { hard: state.breaker.hard, soft: state.breaker.soft, figures: event.figures },
        },
        clock,
      );
    }
  }
  for (const command of out.controlCommands) await publishInTransaction(tx, "control-command", command, { ...publish, id: command.commandId });

  if (out.tradingState !== null) {
    const message = out.tradingState;
    await tx.query("brain_trading_state_history_insert", "INSERT INTO trading_state_history (sequence, state, causes, ts_ms) VALUES ($1, $2, $3::jsonb, $4)", [
      message.sequence,
      message.state,
      json(message.causes),
      message.tsMs,
    ]);
    await publishInTransaction(tx, "trading-state", message, publish);
    const stateBefore = effectiveState(before.trading, nowMs);
    if (stateBefore !== message.state || json(before.trading.causes) !== json(message.causes)) {
      await appendAudit(
        auditTx(tx),
        {
          actor: BRAIN_ACTOR,
          service: "brain",
          action: "trading-state.change",
          target: "trading-state:brain",
          reason: `${stateBefore} → ${message.state}`,
          before: { state: stateBefore, causes: before.trading.causes },
          after: { state: message.state, causes: message.causes, sequence: message.sequence },
        },
        clock,
      );
    }
  }

  for (const t of out.closedTrades) {
    await tx.query(
      "brain_phase_trade_insert",
      `INSERT INTO phase_trades (trade_id, phase, symbol, side, pnl_usd, equity_at_open_usd, opened_at_ms, closed_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (trade_id) DO NOTHING`,
      [t.tradeId, t.phase, t.symbol, t.side, t.pnlUsd, t.equityAtOpenUsd, t.openedAtMs, t.closedAtMs],
    );
  }
  for (const p of out.performance) {
    await tx.query(
      "brain_phase_performance_insert",
      `INSERT INTO phase_performance (phase, recorded_at_ms, trades_in_window, wins, losses, net_pnl_usd, sharpe, modifier)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [p.phase, nowMs, p.tradesInWindow, p.wins, p.losses, p.netPnlUsd, p.sharpe, p.modifier],
    );
  }

  if (out.treasury !== null) await writeTreasury(tx, before, step, clock, publish);

  if (out.allocation !== null) {
    const a = out.allocation;
    await tx.query(
      "brain_allocation_history_insert",
      `INSERT INTO allocation_history (recorded_at_ms, equity_usd, weights, allocated, reserve_weight, source, tier, tier_leverage_cap, registered_phases)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6, $7, $8, $9)`,
      [nowMs, a.equityUsd, json(a.weights), json(a.allocated), a.reserveWeight, a.source, a.tier.name, a.tier.leverageCap, [...a.registeredPhases]],
    );
  }

  if (out.overrideEnded !== null) {
    const ended = out.overrideEnded;
    await tx.query("brain_override_end", "UPDATE overrides SET ended_at_ms = $1, ended_by = $2::jsonb, end_reason = $3 WHERE ended_at_ms IS NULL", [nowMs, json(ended.by), ended.reason]);
    if (ended.by.kind !== "operator") {
      await appendAudit(
        auditTx(tx),
        { actor: { kind: "system", id: ended.by.id, name: ended.by.id }, service: "brain", action: "override.expire", target: "override:allocation", reason: ended.reason, before: ended.override, after: null },
        clock,
      );
    }
  }
  return "written";
}

async function writeTreasury(tx: Queryable, before: BrainState, step: Step, clock: Clock, publish: { source: "brain"; clock: Clock; correlationId?: string }): Promise<void> {
  const check = step.out.treasury;
  if (check === null || check.trigger === null) return;
  const equity = equityUsd(step.state) ?? 0;
  await tx.query("brain_high_watermark_insert", "INSERT INTO high_watermark (ts_ms, high_watermark_usd, equity_usd, trigger) VALUES ($1, $2, $3, $4)", [
    clock.nowMs(),
    step.state.treasury.highWatermarkUsd ?? equity,
    equity,
    check.trigger,
  ]);
  const transfer = check.transfer;
  if (transfer === null || check.figures === null) return;
  await tx.query(
    "brain_treasury_operation_insert",
    `INSERT INTO treasury_operations (transfer_id, command_id, trigger, venue, asset, amount_usd, from_account, to_account, equity_usd, futures_balance_usd, target_usd, ts_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (transfer_id) DO NOTHING`,
    [
      transfer.transferId,
      transfer.commandId,
      check.trigger,
      transfer.venue,
      transfer.asset,
      transfer.amountUsd,
      transfer.fromAccount,
      transfer.toAccount,
      equity,
      step.state.accounts.futures?.walletBalanceUsd ?? 0,
      check.figures.targetUsd,
      transfer.tsMs,
    ],
  );
  await publishInTransaction(tx, "control-command", transfer, { ...publish, id: transfer.commandId });
  await appendAudit(
    auditTx(tx),
    {
      actor: BRAIN_ACTOR,
      service: "brain",
      action: "treasury.transfer",
      target: `transfer:${transfer.transferId}`,
      reason: transfer.reason,
      before: before.treasury,
      after: { treasury: step.state.treasury, amountUsd: transfer.amountUsd, fromAccount: transfer.fromAccount, toAccount: transfer.toAccount },
    },
    clock,
  );
}
