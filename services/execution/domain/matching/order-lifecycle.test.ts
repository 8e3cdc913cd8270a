import { describe, expect, it } from "vitest";
import {
  canTransition,
  InvalidOrderTransitionError,
  isOpenStatus,
  isTerminalStatus,
  nextOrderStatus,
  ORDER_EVENTS,
  ORDER_LIFECYCLE_STATUSES,
  type OrderEvent,
  type OrderLifecycleStatus,
} from "./order-lifecycle.js";
import { ORDER_STATUSES } from "../../../shared/contracts/index.js";

/** The whole table, spelled out: every pair not listed here must throw. */
const EXPECTED: [OrderLifecycleStatus, OrderEvent, OrderLifecycleStatus][] = [
  ["submitted", "accept", "new"],
  ["submitted", "reject", "rejected"],
  ["new", "partial-fill", "partially-filled"],
  ["new", "fill", "filled"],
  ["new", "cancel", "cancelled"],
  ["new", "expire", "expired"],
  ["new", "amend", "new"],
  ["new", "trim", "new"],
  ["partially-filled", "partial-fill", "partially-filled"],
  ["partially-filled", "fill", "filled"],
  ["partially-filled", "cancel", "cancelled"],
  ["partially-filled", "expire", "expired"],
  ["partially-filled", "amend", "partially-filled"],
  ["partially-filled", "trim", "partially-filled"],
];

describe("order lifecycle", () => {
  it("follows the table for every listed (status, event) pair and throws for every other", () => {
    for (const from of ORDER_LIFECYCLE_STATUSES) {
      for (const event of ORDER_EVENTS) {
        const row = EXPECTED.find(([f, e]) => f === from && e === event);
        if (row) {
          expect(nextOrderStatus(from, event)).toBe(row[2]);
          expect(canTransition(from, event)).toBe(true);
        } else {
          expect(() => nextOrderStatus(from, event)).toThrow(InvalidOrderTransitionError);
          expect(canTransition(from, event)).toBe(false);
        }
      }
    }
  });

  it("names the offending pair in the error", () => {
    expect(() => nextOrderStatus("filled", "cancel")).toThrow('no transition from "filled" on "cancel"');
  });

  it("ends in exactly the terminal statuses, and only new and partially-filled orders can trade", () => {
    expect(ORDER_LIFECYCLE_STATUSES.filter(isTerminalStatus)).toEqual(["filled", "cancelled", "rejected", "expired"]);
    expect(ORDER_LIFECYCLE_STATUSES.filter(isOpenStatus)).toEqual(["new", "partially-filled"]);
  });

  it("uses the contract's order statuses after submission", () => {
    expect(ORDER_LIFECYCLE_STATUSES.filter((status) => status !== "submitted")).toEqual([...ORDER_STATUSES]);
  });
});
