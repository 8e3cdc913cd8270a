// Thresholds as people read them in summaries and descriptions, formatted from the numbers in ops/
// so that a changed threshold changes the text with it.
import { promDuration } from "../ops/index.js";

const trim = (n: number): string => String(Number(n.toPrecision(6)));

/** 0.2 → "200 ms", 1.5 → "1.5 s". */
export const formatSeconds = (seconds: number): string => (seconds < 1 ? `${trim(seconds * 1000)} ms` : `${trim(seconds)} s`);

/** 0.8 → "80 %", 0.995 → "99.5 %". */
export const formatRatio = (ratio: number): string => `${trim(ratio * 100)} %`;

/** 300 → "5m"; 0 → "0s" (an alert without `for`). */
export const formatDuration = (seconds: number): string => (seconds === 0 ? "0s" : promDuration(seconds));

/** 1024 MiB → "1024 MiB"; the unit the capacity table uses. */
export const formatMiB = (mib: number): string => `${trim(mib)} MiB`;
