import { describe, expect, it, jest } from '@jest/globals';
import { SignJWT } from 'jose';
import { Redactor, silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { TokenManager, tokenTimes, type TokenResponse } from '../../src/port/auth.js';
import { PortApiError } from '../../src/port/errors.js';
import { fakeTime } from './fakeTime.js';

async function jwtExpiringAt(expSeconds: number): Promise<string> {
  return new SignJWT({ sub: 'client' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expSeconds).sign(new TextEncoder().encode('k'.repeat(32)));
}

function manager(fetchToken: () => Promise<TokenResponse>, time = fakeTime()) {
  const metrics = createMetrics({ defaultMetrics: false });
  const redactor = new Redactor();
  const tokens = new TokenManager({ fetchToken, clock: time.clock, logger: silentLogger(), metrics, redactor });
  return { tokens, metrics, redactor, time };
}

describe('tokenTimes', () => {
  it('when the lifetime is long, then the token is refreshed 60 s before it expires', () => {
    expect(tokenTimes({ accessToken: 'opaque-token', expiresIn: 10_800, tokenType: 'Bearer' }, 0)).toEqual({ expiresAt: 10_800_000, refreshAt: 10_740_000 });
  });

  it('when the lifetime is short, then the token is refreshed a tenth of its lifetime early', () => {
    expect(tokenTimes({ accessToken: 'opaque-token', expiresIn: 100, tokenType: 'Bearer' }, 0)).toEqual({ expiresAt: 100_000, refreshAt: 90_000 });
  });

  it('when the JWT exp is earlier than expiresIn, then exp decides', async () => {
    const obtainedAt = 1_700_000_000_000;
    const token = await jwtExpiringAt(obtainedAt / 1000 + 300);
    expect(tokenTimes({ accessToken: token, expiresIn: 10_800, tokenType: 'Bearer' }, obtainedAt)).toEqual({
      expiresAt: obtainedAt + 300_000,
      refreshAt: obtainedAt + 270_000,
    });
  });

  it('when the JWT exp is already past by our clock, then expiresIn decides (clock skew must not defeat caching)', async () => {
    const obtainedAt = 1_700_000_000_000;
    const token = await jwtExpiringAt(obtainedAt / 1000 - 10);
    expect(tokenTimes({ accessToken: token, expiresIn: 100, tokenType: 'Bearer' }, obtainedAt).expiresAt).toBe(obtainedAt + 100_000);
  });
});

describe('TokenManager', () => {
  it('when 50 callers ask at once, then exactly one token request is sent and all get its token', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fetchToken = jest.fn(async () => {
      await gate;
      return { accessToken: 'shared-token', expiresIn: 3600, tokenType: 'Bearer' };
    });
    const { tokens, metrics } = manager(fetchToken);
    const all = Promise.all(Array.from({ length: 50 }, () => tokens.getToken()));
    release();
    const got = await all;
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(new Set(got.map((t) => t.authorization))).toEqual(new Set(['Bearer shared-token']));
    expect((await metrics.tokenRefreshes.get()).values[0].value).toBe(1);
  });

  it('when the token nears its expiry, then the next caller gets a new one', async () => {
    let n = 0;
    const { tokens, time } = manager(async () => ({ accessToken: `token-${++n}-xxxxxx`, expiresIn: 100, tokenType: 'Bearer' }));
    expect((await tokens.getToken()).value).toBe('token-1-xxxxxx');
    time.advance(89_999);
    expect((await tokens.getToken()).value).toBe('token-1-xxxxxx');
    time.advance(1);
    expect((await tokens.getToken()).value).toBe('token-2-xxxxxx');
  });

  it('when a token is invalidated, then only that token is dropped (a stale 401 cannot drop a newer token)', async () => {
    let n = 0;
    const { tokens } = manager(async () => ({ accessToken: `token-${++n}-xxxxxx`, expiresIn: 3600, tokenType: 'Bearer' }));
    await tokens.getToken();
    tokens.invalidate('token-1-xxxxxx');
    expect((await tokens.getToken()).value).toBe('token-2-xxxxxx');
    tokens.invalidate('token-1-xxxxxx');
    expect((await tokens.getToken()).value).toBe('token-2-xxxxxx');
  });

  it('when a token is obtained, then the redactor masks it', async () => {
    const { tokens, redactor } = manager(async () => ({ accessToken: 'very-secret-token', expiresIn: 3600, tokenType: 'Bearer' }));
    await tokens.getToken();
    expect(redactor.redact('sent very-secret-token')).toBe('sent [redacted]');
  });

  it('when the refresh fails inside the refresh-ahead window, then the still-valid token is served', async () => {
    let calls = 0;
    const { tokens, time } = manager(async () => {
      if (++calls === 2) throw new PortApiError({ status: 503, message: 'down', route: 'POST /v1/auth/access_token' });
      return { accessToken: `token-${calls}-xxxxxx`, expiresIn: 100, tokenType: 'Bearer' };
    });
    await tokens.getToken();
    time.advance(95_000);
    expect((await tokens.getToken()).value).toBe('token-1-xxxxxx');
  });

  it('when the refresh fails and no valid token is left, then callers get the error', async () => {
    const { tokens } = manager(async () => {
      throw new PortApiError({ status: 401, portError: 'unauthorized', message: 'bad credentials', route: 'POST /v1/auth/access_token' });
    });
    await expect(tokens.getToken()).rejects.toMatchObject({ code: 'port_api_error', status: 401, portError: 'unauthorized' });
  });
});
