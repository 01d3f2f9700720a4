// Order statistics for benchmark figures. Nearest-rank percentiles: with few samples (5 rounds) p50 is the
// median sample itself, never an interpolated value no run produced.

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
  mean: number;
  p50: number;
  p99: number;
}

/** Nearest-rank percentile of ascending `sorted` values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The median; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    n,
    min: n ? sorted[0] : Number.NaN,
    median: median(sorted),
    max: n ? sorted[n - 1] : Number.NaN,
    mean: n ? sorted.reduce((sum, v) => sum + v, 0) / n : Number.NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** A number for a report: thousands separated, `digits` decimals. */
export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "min / median / max" of a summary. */
export function fmtRange(s: Pick<Summary, 'min' | 'median' | 'max'>, digits = 0): string {
  return `${fmt(s.min, digits)} / ${fmt(s.median, digits)} / ${fmt(s.max, digits)}`;
}
