// Bybit's internal transfer between a user's accounts (`POST /v5/asset/transfer/inter-transfer`): the
// brain's treasury sweeps go through it. The trading account (UNIFIED, or CONTRACT for classic
// accounts) is the matching engine's wallet; the others (FUND, SPOT) are plain ledgers here. The
// client names the transfer (a UUID); the simulator records each one, so the same id sent again moves
// nothing and answers as before, and the same id with other terms is refused.
import { markToMarket } from "../../services/execution/domain/matching/index.js";
import type { BybitSimulatorCore } from "./core.js";
import { decimal, fail, guarded, ok, ParamError, requiredText, type BybitReply, type Params } from "./reply.js";

const ACCOUNT_TYPES = ["UNIFIED", "CONTRACT", "SPOT", "FUND"] as const;
type AccountType = (typeof ACCOUNT_TYPES)[number];
const TRADING: ReadonlySet<AccountType> = new Set(["UNIFIED", "CONTRACT"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TransferRecord {
  readonly transferId: string;
  readonly coin: string;
  readonly amount: number;
  readonly fromAccountType: AccountType;
  readonly toAccountType: AccountType;
  readonly tsMs: number;
}

/** The simulator's transfers and the balances of the accounts outside the engine. */
export class TransferLedger {
  readonly transfers = new Map<string, TransferRecord>();
  readonly balancesUsd: Record<Exclude<AccountType, "UNIFIED" | "CONTRACT">, number> = { SPOT: 0, FUND: 0 };
}

const accountType = (params: Params, key: string): AccountType => {
  const value = requiredText(params, key);
  if (!(ACCOUNT_TYPES as readonly string[]).includes(value)) throw new ParamError(`params error: ${key} ${value} is not an account type`);
  return value as AccountType;
};

export function interTransfer(core: BybitSimulatorCore, ledger: TransferLedger, params: Params): BybitReply {
  return guarded(() => {
    const transferId = requiredText(params, "transferId");
    if (!UUID.test(transferId)) throw new ParamError("params error: transferId must be a UUID");
    const coin = requiredText(params, "coin");
    if (coin !== "USDT") throw new ParamError(`params error: coin ${coin} is not simulated (USDT only)`);
    const amount = decimal(params, "amount");
    if (amount === undefined || !(amount > 0)) throw new ParamError("params error: amount must be positive");
    const from = accountType(params, "fromAccountType");
    const to = accountType(params, "toAccountType");
    if (from === to) throw new ParamError("params error: fromAccountType and toAccountType must differ");

    const seen = ledger.transfers.get(transferId);
    if (seen) {
      const same = seen.coin === coin && seen.amount === amount && seen.fromAccountType === from && seen.toAccountType === to;
      return same ? ok({ transferId, status: "SUCCESS" }) : fail(131214, "transferId is duplicated with different parameters");
    }
    const available = (account: AccountType): number => (TRADING.has(account) ? markToMarket(core.engine).availableBalanceUsd : ledger.balancesUsd[account as "SPOT" | "FUND"]);
    if (available(from) < amount) return fail(131212, "insufficient balance"); // ccxt: InsufficientFunds
    const tsMs = core.nowMs();
    for (const [account, delta] of [[from, -amount], [to, amount]] as const) {
      if (TRADING.has(account)) {
        const result = core.apply({ kind: "adjust-balance", tsMs, amountUsd: delta });
        if (result.error) return fail(10001, result.error.message);
      } else {
        ledger.balancesUsd[account as "SPOT" | "FUND"] += delta;
      }
    }
    ledger.transfers.set(transferId, { transferId, coin, amount, fromAccountType: from, toAccountType: to, tsMs });
    return ok({ transferId, status: "SUCCESS" });
  });
}
