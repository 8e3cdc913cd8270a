// Numbers that stand for words: the trading state's gauge value and `up`.
import { TRADING_STATES } from "../../services/shared/contracts/primitives.js";
import { COLORS, type ValueText } from "./spec.js";

const STATE_COLORS: Readonly<Record<(typeof TRADING_STATES)[number], string>> = { ACTIVE: COLORS.ok, REDUCING: COLORS.warn, HALTED: COLORS.bad };

/** The trading-state gauges export the state's rank in TRADING_STATES: 0 ACTIVE, 1 REDUCING, 2 HALTED. */
export const TRADING_STATE_TEXTS: readonly ValueText[] = TRADING_STATES.map((state, value) => ({ value, text: state, color: STATE_COLORS[state] }));

export const UP_TEXTS: readonly ValueText[] = [
  { value: 0, text: "DOWN", color: COLORS.bad },
  { value: 1, text: "UP", color: COLORS.ok },
];

export const TRIPPED_TEXTS: readonly ValueText[] = [
  { value: 0, text: "clear", color: COLORS.ok },
  { value: 1, text: "TRIPPED", color: COLORS.bad },
];
