// A transaction's order commands, written together just before it commits. The stream consumer hands
// execution a batch of commands in one inbox transaction; one multi-row INSERT costs one round trip
// instead of a SELECT and an INSERT per command. What counts as a replay is unchanged: a command is
// written only if no command written before it (in the table, or earlier in the batch) has its command
// id or its client order id, exactly as the one-at-a-time lookup decided.
import type { EnvelopeOf } from "../../shared/contracts/index.js";
import { createCommitGatherer } from "../../shared/db/commit-gatherer.js";
import type { Queryable } from "../../shared/db/database.js";
import type { PreTradeResult } from "../domain/pre-trade.js";
import { insertCommands, type NewCommand } from "./store.js";

/** A command intake has planned, waiting for its transaction's INSERT. */
export interface IntakeCommand {
  readonly envelope: EnvelopeOf<"order-command">;
  /** The venue symbol the command resolved to. */
  readonly symbol: string;
  /** The pre-trade checks' verdict at intake: a plan (pending command) or a refusal. */
  readonly result: PreTradeResult;
  readonly receivedAtMs: number;
}

/** An intake command after the INSERT: `inserted` false means it replays one written before. */
export interface SettledCommand {
  readonly intake: IntakeCommand;
  readonly inserted: boolean;
}

/** Acts on a written batch, in the order its commands came (enqueues, refusal reports, metrics). */
export type SettleCommands = (tx: Queryable, settled: readonly SettledCommand[]) => Promise<void>;

/** The identities a command may not share with one written before it. */
export interface OrderKeys {
  readonly commandId: string;
  readonly clientOrderId: string;
}

// command_id is a uuid (PostgreSQL compares it regardless of letter case); client_order_id is text.
const commandIdKey = (commandId: string): string => `id:${commandId.toLowerCase()}`;
const keysOf = ({ commandId, clientOrderId }: OrderKeys): [string, string] => [commandIdKey(commandId), `client:${clientOrderId}`];

/** Writes a set of commands no two of which share a key; resolves to the command ids written. */
export type InsertRound<T> = (items: readonly T[]) => Promise<Iterable<string>>;

/**
 * Whether each item of `batch` is written, with the outcome a one-at-a-time lookup would give. Each
 * round writes, in one statement, every unresolved item sharing no key with an earlier unresolved one;
 * an item that does share one waits. After the statement a waiting copy of a written item is a replay;
 * one whose earlier twin was refused by the table (it conflicted on its other key, say) waits for the
 * next round. Without copies in the batch, that is one round.
 */
export async function writeInRounds<T>(batch: readonly T[], keys: (item: T) => OrderKeys, insert: InsertRound<T>): Promise<boolean[]> {
  const inserted = batch.map(() => false);
  let unresolved = batch.map((_, index) => index);
  while (unresolved.length > 0) {
    const takenBy = new Map<string, number>();
    const waitingKeys = new Set<string>();
    const taken: number[] = [];
    const waiting: Array<{ readonly index: number; readonly twins: number[] }> = [];
    for (const index of unresolved) {
      const itemKeys = keysOf(keys(batch[index]!));
      const twins = itemKeys.flatMap((k) => (takenBy.has(k) ? [takenBy.get(k)!] : []));
      if (twins.length === 0 && !itemKeys.some((k) => waitingKeys.has(k))) {
        taken.push(index);
        for (const k of itemKeys) takenBy.set(k, index);
      } else {
        // Its later neighbours must wait too, or one could be written ahead of it on a key it holds.
        waiting.push({ index, twins });
        for (const k of itemKeys) waitingKeys.add(k);
      }
    }
    const written = new Set([...(await insert(taken.map((i) => batch[i]!)))].map(commandIdKey));
    for (const index of taken) inserted[index] = written.has(commandIdKey(keys(batch[index]!).commandId));
    unresolved = waiting.filter((w) => !w.twins.some((twin) => inserted[twin])).map((w) => w.index);
  }
  return inserted;
}

/** The order_commands row of an intake command: pending with its plan, or refused with the reason. */
export const newCommandOf = ({ envelope, symbol, result, receivedAtMs }: IntakeCommand): NewCommand =>
  result.ok
    ? { command: envelope.payload, messageId: envelope.id, symbol, status: "pending", plan: result.plan, receivedAtMs }
    : { command: envelope.payload, messageId: envelope.id, symbol, status: "refused", plan: null, refusalReason: result.reason, refusalDetail: result.detail, receivedAtMs };

const orderKeysOf = (c: IntakeCommand): OrderKeys => c.envelope.payload;

/** Writes the batch (one statement unless it holds copies of a command) and says which went in. */
export async function insertIntakeCommands(tx: Queryable, batch: readonly IntakeCommand[]): Promise<SettledCommand[]> {
  const inserted = await writeInRounds(batch, orderKeysOf, (round) => insertCommands(tx, round.map(newCommandOf)));
  return batch.map((intake, i) => ({ intake, inserted: inserted[i]! }));
}

const gatherCommand = createCommitGatherer<IntakeCommand>();

/**
 * Adds `intake` to `tx`'s commands (`tx` from Database.transaction: the write needs its hooks). The
 * first one registers the before-commit write of them all, which hands the outcomes to `settleBatch`;
 * the reports it publishes are written after it.
 */
export function deferCommand(tx: Queryable, intake: IntakeCommand, settleBatch: SettleCommands): void {
  gatherCommand(tx, intake, async (gathered) => {
    const settled = await insertIntakeCommands(tx, gathered);
    if (settled.length > 0) await settleBatch(tx, settled);
  });
}
