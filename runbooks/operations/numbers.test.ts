// Every number with a unit in the prose of the operational runbooks is one that ops/ (or the brain's
// default parameters) holds: a runbook never carries a threshold of its own that could drift from the
// code. Commands and code blocks are left out: ports and example arguments are not policy.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ALERT_THRESHOLDS,
  BACKUP_SCHEDULE,
  ESCALATION,
  KPI_LIST,
  MEMORY_BUDGETS,
  MINIMUM_HOST,
  MTTD_BUDGET_SECONDS,
  RECOVERY_POINT_OBJECTIVES,
  RECOVERY_TIME_OBJECTIVES,
  RETENTION,
  SCALING_TRIGGERS,
  SECURITY,
  SERVICE_CAPACITY,
  SEVERITIES,
  WAL_ARCHIVE_TIMEOUT_SECONDS,
} from "../../ops/index.js";
import { DEFAULT_BRAIN_PARAMETERS } from "../../services/brain/domain/brain-parameters.js";

const DIR = dirname(fileURLToPath(import.meta.url));
const DAY = 86_400;

type Kind = "seconds" | "ratio" | "MiB" | "GiB" | "USD" | "years";

const b = DEFAULT_BRAIN_PARAMETERS;

/** The figures ops/ and the brain's defaults hold, by kind, in base units (seconds, ratios). */
const ALLOWED: Readonly<Record<Kind, readonly number[]>> = {
  seconds: [
    ...KPI_LIST.flatMap((k) => [k.windowSeconds, ...(k.unit === "seconds" ? [k.threshold] : [])]),
    ...Object.values(ALERT_THRESHOLDS).flatMap((t) => [t.forSeconds, ...("windowSeconds" in t ? [t.windowSeconds] : [])]),
    ALERT_THRESHOLDS.highSignalLatencySeconds.value,
    MTTD_BUDGET_SECONDS,
    ...Object.values(SCALING_TRIGGERS).flatMap((r) => Object.values(r).map((t) => t.sustainedSeconds)),
    ...Object.values(RECOVERY_TIME_OBJECTIVES).map((o) => o.seconds),
    ...Object.values(RECOVERY_POINT_OBJECTIVES).map((o) => o.seconds),
    ...Object.values(BACKUP_SCHEDULE).flatMap((s) => [s.intervalSeconds, s.retentionSeconds]),
    WAL_ARCHIVE_TIMEOUT_SECONDS,
    RETENTION.metricsDays.value * DAY,
    RETENTION.tradeTapeHotDays.value * DAY,
    SECURITY.apiKeyRotationSeconds.value,
    SECURITY.accessReviewSeconds.value,
    SECURITY.lockoutSeconds.value,
    ...Object.values(ESCALATION).map((e) => e.seconds),
    ...Object.values(SEVERITIES).map((s) => s.responseSeconds),
    ...[b.breaker.softLossWindowMs, b.breaker.softCooldownMs, b.tradingState.heartbeatTimeoutMs, b.override.maxDurationMs, b.signals.freshnessMs].map((ms) => ms / 1000),
  ],
  ratio: [
    ...KPI_LIST.filter((k) => k.unit === "ratio").flatMap((k) => [k.threshold, ...(k.aim === undefined ? [] : [k.aim])]),
    ALERT_THRESHOLDS.memoryUsedRatio.value,
    ALERT_THRESHOLDS.diskFreeRatio.value,
    ALERT_THRESHOLDS.exchangeRateLimitUseRatio.value,
    ...Object.values(SCALING_TRIGGERS).flatMap((r) => Object.values(r).map((t) => t.ratio)),
    b.breaker.hardDailyDrawdownFraction,
  ],
  MiB: [...Object.values(MEMORY_BUDGETS).map((m) => m.value), ...Object.values(SERVICE_CAPACITY).flatMap((c) => [c.memoryRequestMiB, c.memoryLimitMiB])],
  GiB: [MINIMUM_HOST.memoryGiB, MINIMUM_HOST.diskGiB],
  USD: [b.breaker.hardMinEquityUsd, b.treasury.reserveUsd],
  years: [RETENTION.tradingRecordsYears.value],
};

const UNITS: ReadonlyArray<{ pattern: RegExp; kind: Kind; factor: number }> = [
  { pattern: /^%$/, kind: "ratio", factor: 0.01 },
  { pattern: /^ms$/, kind: "seconds", factor: 0.001 },
  { pattern: /^(s|seconds?)$/, kind: "seconds", factor: 1 },
  { pattern: /^(min|minutes?)$/, kind: "seconds", factor: 60 },
  { pattern: /^(h|hours?)$/, kind: "seconds", factor: 3_600 },
  { pattern: /^days?$/, kind: "seconds", factor: DAY },
  { pattern: /^weeks?$/, kind: "seconds", factor: 7 * DAY },
  { pattern: /^(MiB|MB)$/, kind: "MiB", factor: 1 },
  { pattern: /^(GiB|GB)$/, kind: "GiB", factor: 1 },
  { pattern: /^USD$/, kind: "USD", factor: 1 },
  { pattern: /^years?$/, kind: "years", factor: 1 },
];

/** The prose of a page: no fenced blocks, no inline code. */
const proseOf = (markdown: string): string => markdown.replace(/```[\s\S]*?```/g, " ").replace(/`[^`\n]*`/g, " ");

interface Figure {
  readonly text: string;
  readonly kind: Kind;
  readonly value: number;
}

const figuresIn = (prose: string): Figure[] => {
  const figures: Figure[] = [];
  const figure = /(?<![\w.])(\d+(?:\.\d+)?)[\s-]*(%|ms|seconds?|s|minutes?|min|hours?|h|days?|weeks?|MiB|MB|GiB|GB|USD|years?)(?![A-Za-z])/g;
  for (const m of prose.matchAll(figure)) {
    const unit = UNITS.find((u) => u.pattern.test(m[2] as string));
    if (unit) figures.push({ text: m[0], kind: unit.kind, value: Number(m[1]) * unit.factor });
  }
  return figures;
};

const allowed = (f: Figure): boolean => ALLOWED[f.kind].some((v) => Math.abs(v - f.value) < 1e-9 * Math.max(1, Math.abs(v))) || (f.kind === "ratio" && f.value === 1);

const pages = readdirSync(DIR).filter((f) => f.endsWith(".md"));

describe("the operational runbooks", () => {
  it("are the eight pages the seed lists, the access management its security rules need, and an index", () => {
    expect(pages.sort()).toEqual([
      "README.md",
      "access-management.md",
      "backup-and-recovery.md",
      "circuit-breaker-management.md",
      "configuration-changes.md",
      "daily-operations.md",
      "emergency-procedures.md",
      "incident-response.md",
      "position-management.md",
      "scaling.md",
    ]);
  });

  it("only state figures that ops/ or the brain's defaults hold", () => {
    const strays = pages.flatMap((page) => figuresIn(proseOf(readFileSync(join(DIR, page), "utf8"))).filter((f) => !allowed(f)).map((f) => `${page}: "${f.text}"`));
    expect(strays).toEqual([]);
  });

  it("would catch a figure that drifted from ops/", () => {
    const drifted = figuresIn(proseOf("Scale up above 75 % for 15 minutes; RPO 3 minutes; `--wait-seconds 60` is code.")).filter((f) => !allowed(f));
    expect(drifted.map((f) => f.text)).toEqual(["75 %", "3 minutes"]);
  });

  it("link only to pages that exist", () => {
    for (const page of pages) {
      for (const [, target] of readFileSync(join(DIR, page), "utf8").matchAll(/\]\(([^)#]+\.md)(?:#[^)]*)?\)/g)) {
        expect(pages, `${page} links to ${target}`).toContain(target);
      }
    }
  });
});
