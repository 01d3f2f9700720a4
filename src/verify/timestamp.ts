// The x-port-timestamp header. Port sends epoch seconds; some senders (Port's own example
// backend) use milliseconds, so a value above 10^12 is read as milliseconds. The window applies both ways:
// a delivery from the future is as suspect as a replayed one.
import { CodedError } from '../errors.js';

const DIGITS = /^\d{1,16}$/;
const MS_THRESHOLD = 1e12;

export type HeaderValue = string | string[] | undefined;

/** Parses the header to epoch milliseconds, or throws `missing_timestamp` / `invalid_timestamp`. */
export function parsePortTimestamp(header: HeaderValue): number {
  if (header === undefined || header === '') {
    throw new CodedError('missing_timestamp', 'x-port-timestamp header is missing: is this request really from Port?');
  }
  // A repeated header is ambiguous: refuse it rather than pick one.
  if (typeof header !== 'string' || !DIGITS.test(header)) {
    throw new CodedError('invalid_timestamp', 'x-port-timestamp must be epoch seconds (digits only)');
  }
  const value = Number(header);
  return value > MS_THRESHOLD ? value : value * 1000;
}

/**
 * Parse, then require |now - timestamp| ≤ tolerance. Returns the timestamp in epoch ms.
 * The error message names the direction and the skew, so the log line tells the operator what to check.
 */
export function checkPortTimestamp(header: HeaderValue, nowMs: number, toleranceSeconds: number): number {
  const timestampMs = parsePortTimestamp(header);
  const skewMs = nowMs - timestampMs;
  if (Math.abs(skewMs) > toleranceSeconds * 1000) {
    const seconds = Math.round(Math.abs(skewMs) / 1000);
    const direction = skewMs > 0 ? 'too old' : 'too new';
    const why = skewMs > 0 ? 'a replayed or long-delayed delivery, or' : 'the sender is ahead of us, or';
    throw new CodedError(
      'stale_timestamp',
      `x-port-timestamp is ${direction} by ${seconds} s (tolerance ±${toleranceSeconds} s): ${why} check the server clock (NTP)`,
      { direction: skewMs > 0 ? 'too_old' : 'too_new', skewSeconds: seconds },
    );
  }
  return timestampMs;
}
