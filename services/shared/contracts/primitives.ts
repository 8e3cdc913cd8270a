// Field schemas shared by every contract. Units live in the names: `...Usd`, `...Qty`, `...TsMs`.

import { Type, type TSchema } from "typebox";
import { SERVICE_NAMES } from "../../../ops/services.js";

/** A value or JSON null: for figures that exist only sometimes (no entry price while flat). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Every object contract rejects unknown fields: a typo is a bad message, not a silently ignored one. */
export const STRICT = { additionalProperties: false } as const;

export const Uuid = Type.String({ format: "uuid", description: "RFC 4122 UUID" });

/** Milliseconds since the Unix epoch. */
export const TsMs = Type.Integer({ minimum: 0, description: "milliseconds since the Unix epoch" });

export const ServiceNameSchema = Type.Enum([...SERVICE_NAMES], { description: "a Titan service" });

/** Unified ccxt symbol (`BTC/USDT:USDT`, `BTC/USDT`) or a venue's raw one (`BTCUSDT`). */
export const MarketSymbol = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9][A-Za-z0-9._:/-]*$" });

export const VENUES = ["bybit", "mexc", "paper"] as const;
export const VenueSchema = Type.Enum([...VENUES]);

/** `linear` = USDT-margined perpetuals, `spot` = spot market (the basis trap compares the two). */
export const MARKET_TYPES = ["linear", "spot"] as const;
export const MarketTypeSchema = Type.Enum([...MARKET_TYPES]);

export const PriceUsd = Type.Number({ exclusiveMinimum: 0, description: "price in USD (USDT)" });
export const Qty = Type.Number({ exclusiveMinimum: 0, description: "quantity in the base asset" });
export const NonNegativeQty = Type.Number({ minimum: 0, description: "quantity in the base asset" });
export const NotionalUsd = Type.Number({ minimum: 0, description: "notional value in USD" });
export const SignedUsd = Type.Number({ description: "an amount in USD, negative for a loss" });
export const Fraction = Type.Number({ minimum: 0, maximum: 1, description: "a fraction: 0.15 = 15 %" });
export const Leverage = Type.Number({ minimum: 1, maximum: 125 });

/** 1 = scavenger, 2 = hunter, 3 = sentinel (domain.md "Capital allocation"). */
export const PHASES = [1, 2, 3] as const;
export const PhaseSchema = Type.Enum([...PHASES]);

export const POSITION_SIDES = ["long", "short"] as const;
export const PositionSideSchema = Type.Enum([...POSITION_SIDES]);

export const ORDER_SIDES = ["buy", "sell"] as const;
export const OrderSideSchema = Type.Enum([...ORDER_SIDES]);

/** Bybit's orderLinkId: at most 36 characters of `[A-Za-z0-9_-]` (domain.md "Execution"). */
export const ClientOrderId = Type.String({ minLength: 1, maxLength: 36, pattern: "^[A-Za-z0-9_-]+$" });

/** Free text meant for a person: an operator's reason, a veto's detail. */
export const Reason = Type.String({ minLength: 1, maxLength: 1000 });

/** Who did it: an operator (by user or token id), a service, or the system itself (timers, cooldowns). */
export const PRINCIPAL_KINDS = ["operator", "service", "system"] as const;
export const PrincipalSchema = Type.Object(
  {
    kind: Type.Enum([...PRINCIPAL_KINDS]),
    id: Type.String({ minLength: 1, maxLength: 200 }),
  },
  STRICT,
);

export const TRADING_STATES = ["ACTIVE", "REDUCING", "HALTED"] as const;
export const TradingStateNameSchema = Type.Enum([...TRADING_STATES]);
