import { describe, expect, it } from '@jest/globals';
import { checkPortTimestamp, parsePortTimestamp } from '../../src/verify/timestamp.js';

const NOW_S = 1_700_000_000;
const NOW_MS = NOW_S * 1000;
const TOLERANCE = 300;

describe('parsePortTimestamp', () => {
  it('when the header is absent or empty, then it is missing_timestamp', () => {
    expect(() => parsePortTimestamp(undefined)).toThrow(expect.objectContaining({ code: 'missing_timestamp' }));
    expect(() => parsePortTimestamp('')).toThrow(expect.objectContaining({ code: 'missing_timestamp' }));
  });

  it.each(['hello', '1.5', '-1', '1700000000.x', ' 1700000000', '1700000000 ', '+1700000000', '1e9', '0x10', '12345678901234567'])(
    'when the header is %j, then it is invalid_timestamp',
    (header) => {
      expect(() => parsePortTimestamp(header)).toThrow(expect.objectContaining({ code: 'invalid_timestamp' }));
    },
  );

  it('when the header was sent twice, then it is invalid_timestamp', () => {
    expect(() => parsePortTimestamp(['1700000000', '1700000000'])).toThrow(expect.objectContaining({ code: 'invalid_timestamp' }));
  });

  it('when the header is seconds, then it is read as seconds', () => {
    expect(parsePortTimestamp('1700000000')).toBe(NOW_MS);
  });

  it('when the header is above 10^12, then it is read as milliseconds', () => {
    expect(parsePortTimestamp('1700000000123')).toBe(1_700_000_000_123);
  });
});

describe('checkPortTimestamp', () => {
  it('when the timestamp is exactly now, then it passes and returns epoch ms', () => {
    expect(checkPortTimestamp(String(NOW_S), NOW_MS, TOLERANCE)).toBe(NOW_MS);
  });

  it('when the timestamp is tolerance seconds old or ahead, then it passes', () => {
    expect(checkPortTimestamp(String(NOW_S - TOLERANCE), NOW_MS, TOLERANCE)).toBe(NOW_MS - TOLERANCE * 1000);
    expect(checkPortTimestamp(String(NOW_S + TOLERANCE), NOW_MS, TOLERANCE)).toBe(NOW_MS + TOLERANCE * 1000);
  });

  it('when the timestamp is tolerance+1 seconds old, then it is stale_timestamp naming "too old" and NTP', () => {
    expect(() => checkPortTimestamp(String(NOW_S - TOLERANCE - 1), NOW_MS, TOLERANCE)).toThrow(
      expect.objectContaining({
        code: 'stale_timestamp',
        message: expect.stringMatching(/too old.*NTP/),
        details: { direction: 'too_old', skewSeconds: TOLERANCE + 1 },
      }),
    );
  });

  it('when the timestamp is tolerance+1 seconds ahead, then it is stale_timestamp naming "too new"', () => {
    expect(() => checkPortTimestamp(String(NOW_S + TOLERANCE + 1), NOW_MS, TOLERANCE)).toThrow(
      expect.objectContaining({ code: 'stale_timestamp', message: expect.stringMatching(/too new.*NTP/), details: expect.objectContaining({ direction: 'too_new' }) }),
    );
  });

  it('when the timestamp is in milliseconds, then the window applies to it the same way', () => {
    expect(checkPortTimestamp(String(NOW_MS - TOLERANCE * 1000), NOW_MS, TOLERANCE)).toBe(NOW_MS - TOLERANCE * 1000);
    expect(() => checkPortTimestamp(String(NOW_MS + TOLERANCE * 1000 + 1), NOW_MS, TOLERANCE)).toThrow(
      expect.objectContaining({ code: 'stale_timestamp' }),
    );
  });

  it('when the header is malformed, then the format error wins over the window', () => {
    expect(() => checkPortTimestamp('1.5', NOW_MS, TOLERANCE)).toThrow(expect.objectContaining({ code: 'invalid_timestamp' }));
  });
});
