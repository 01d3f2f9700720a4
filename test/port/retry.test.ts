import { describe, expect, it } from '@jest/globals';
import {
  backoffDelay,
  isRetryableStatus,
  nextDelay,
  parseRateLimitReset,
  parseRetryAfter,
  serverWaitMs,
} from '../../src/port/retry.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const backoff = { baseDelayMs: 100, maxDelayMs: 1000 };

describe('isRetryableStatus', () => {
  it('when the status is network (0), 408, 429 or 5xx, then it is retried; other 4xx are not', () => {
    for (const s of [0, 408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 409, 413, 422]) expect(isRetryableStatus(s)).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('when retries go on, then each step doubles up to the max, with half of it jittered', () => {
    expect([1, 2, 3, 4, 5, 6].map((r) => backoffDelay(r, backoff, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3].map((r) => backoffDelay(r, backoff, () => 0))).toEqual([50, 100, 200]);
  });
});

describe('parseRetryAfter', () => {
  it('when it is delta seconds, then it is that many milliseconds', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2000);
    expect(parseRetryAfter('0.5', NOW)).toBe(500);
  });

  it('when it is an HTTP date, then it is the time until that date (never negative)', () => {
    expect(parseRetryAfter(new Date(NOW + 3000).toUTCString(), NOW)).toBe(3000);
    expect(parseRetryAfter(new Date(NOW - 3000).toUTCString(), NOW)).toBe(0);
  });

  it('when it is absent or garbage, then there is no server wait', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
    expect(parseRetryAfter('soon', NOW)).toBeNull();
  });
});

describe('parseRateLimitReset', () => {
  it('when it is epoch seconds, then it is the time until then', () => {
    expect(parseRateLimitReset(String(NOW / 1000 + 4), NOW)).toBe(4000);
  });

  it('when it is too small to be an epoch, then it is seconds from now', () => {
    expect(parseRateLimitReset('7', NOW)).toBe(7000);
  });

  it('when it is epoch milliseconds, then it is the time until then', () => {
    expect(parseRateLimitReset(String(NOW + 1500), NOW)).toBe(1500);
  });
});

describe('serverWaitMs', () => {
  it('when both headers are present, then Retry-After wins', () => {
    expect(serverWaitMs(429, { 'retry-after': '1', 'x-ratelimit-reset': String(NOW / 1000 + 9) }, NOW)).toBe(1000);
  });

  it('when x-ratelimit-reset comes on a 503 with quota left, then it is ignored (Port sends it on every answer)', () => {
    expect(serverWaitMs(503, { 'x-ratelimit-reset': String(NOW / 1000 + 9), 'x-ratelimit-remaining': '12' }, NOW)).toBeNull();
    expect(serverWaitMs(503, { 'x-ratelimit-reset': String(NOW / 1000 + 9), 'x-ratelimit-remaining': '0' }, NOW)).toBe(9000);
  });
});

describe('nextDelay', () => {
  const base = { retry: 1, headers: {}, nowMs: NOW, deadlineMs: NOW + 10_000, backoff, random: () => 1 };

  it('when the answer is final, then there is no retry', () => {
    expect(nextDelay({ ...base, status: 404 })).toBeNull();
  });

  it('when the server gives a wait, then it wins over the backoff', () => {
    expect(nextDelay({ ...base, status: 429, headers: { 'retry-after': '3' } })).toEqual({ delayMs: 3000, source: 'server' });
  });

  it('when the wait would reach past the deadline, then it stops', () => {
    expect(nextDelay({ ...base, status: 429, headers: { 'retry-after': '10' } })).toBeNull();
    expect(nextDelay({ ...base, status: 503, retry: 4, deadlineMs: NOW + 800 })).toBeNull();
    expect(nextDelay({ ...base, status: 503, retry: 4, deadlineMs: NOW + 801 })).toEqual({ delayMs: 800, source: 'backoff' });
  });

  it('when the failure is a network error, then the backoff is used', () => {
    expect(nextDelay({ ...base, status: 0 })).toEqual({ delayMs: 100, source: 'backoff' });
  });
});
