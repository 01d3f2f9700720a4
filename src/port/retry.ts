// When to try a Port call again and how long to wait first. Pure functions (time and randomness are
// passed in) so the policy is tested without a server and the loop in portHttp.ts stays short.

export interface BackoffOptions {
  /** First backoff step; doubles per retry. */
  baseDelayMs: number;
  /** Ceiling of one backoff step (the server's own wait is not capped by it, only by the budget). */
  maxDelayMs: number;
}

// Backoff caps at 5 s: after an outage the next attempt comes within seconds of Port's return. Waits the
// server asks for (Retry-After, x-ratelimit-reset) are not capped by it.
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ baseDelayMs: 300, maxDelayMs: 5_000 });

/** Status 0 = no answer (connection refused/reset, per-attempt timeout). Any other 4xx is final. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random. Unlike full jitter it never
 * retries almost at once, and the random half still spreads the runs that failed together.
 * `retry` counts from 1 (the wait before the second attempt).
 */
export function backoffDelay(retry: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/** `Retry-After`: delta seconds (decimals tolerated) or an HTTP date. Null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * `x-ratelimit-reset`: Port documents UTC epoch seconds. Values below 10^9 (before 2001) cannot be an epoch
 * and are read as seconds from now, the way some gateways send it (Ocean draws the line at 10^4; every
 * value in between would be a wait of days, past any budget, so the choice only affects plausibility).
 * Values from 10^12 up are read as epoch milliseconds.
 */
export function parseRateLimitReset(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (!/^\d+(\.\d+)?$/.test(v)) return null;
  const n = Number(v);
  if (n >= 1e12) return Math.max(0, Math.round(n - nowMs));
  if (n >= 1e9) return Math.max(0, Math.round(n * 1000 - nowMs));
  return Math.round(n * 1000);
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The wait the server asked for, if any. `Retry-After` counts on any retryable answer. Port sends
 * `x-ratelimit-reset` on every response, so it counts only when it is about us being limited: on a 429, or
 * when `x-ratelimit-remaining` is 0 (else a 503 would wait for the end of a 5-minute window).
 */
export function serverWaitMs(status: number, headers: Headers, nowMs: number): number | null {
  const retryAfter = parseRetryAfter(header(headers, 'retry-after'), nowMs);
  if (retryAfter !== null) return retryAfter;
  const limited = status === 429 || header(headers, 'x-ratelimit-remaining')?.trim() === '0';
  return limited ? parseRateLimitReset(header(headers, 'x-ratelimit-reset'), nowMs) : null;
}

export interface NextDelayInput {
  /** 1 for the wait before the first retry. */
  retry: number;
  status: number;
  headers: Headers;
  nowMs: number;
  /** Epoch ms by which the whole call must be over. */
  deadlineMs: number;
  backoff: BackoffOptions;
  random?: () => number;
}

export interface Delay {
  delayMs: number;
  source: 'server' | 'backoff';
}

/**
 * How long to wait before the next attempt, or null to stop: the answer is final, or the wait would reach
 * past the call's budget (retrying before the server's own time is pointless, and an attempt that starts at
 * the deadline has no time left to run). The server's wait wins over our backoff.
 */
export function nextDelay(input: NextDelayInput): Delay | null {
  if (!isRetryableStatus(input.status)) return null;
  const server = input.status === 0 ? null : serverWaitMs(input.status, input.headers, input.nowMs);
  const delay: Delay =
    server !== null
      ? { delayMs: server, source: 'server' }
      : { delayMs: backoffDelay(input.retry, input.backoff, input.random), source: 'backoff' };
  return input.nowMs + delay.delayMs >= input.deadlineMs ? null : delay;
}
