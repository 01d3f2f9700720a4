import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { Redactor, createLogger } from '../../src/logger.js';
import type { PortClient } from '../../src/port/client.js';
import { makeClient } from './clientKit.js';
import { fakeTime } from './fakeTime.js';
import { startTestServer, type TestServer } from './testServer.js';
import Transport from 'winston-transport';

const RUN = { id: 'r_1', status: 'IN_PROGRESS', action: { identifier: 'deploy' }, properties: {} };

let server: TestServer;
let client: PortClient;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  client?.close();
  await server.close();
});

/** Answers 401 unless the request carries the token issued last (tokens are numbered by the server). */
function acceptOnlyLatestToken(): void {
  server.setHandler((req) => {
    const latest = server.tokenRequests().length;
    return req.headers.authorization === `Bearer token-${latest}-abcdef`
      ? { status: 200, body: { ok: true, run: RUN } }
      : { status: 401, body: { ok: false, error: 'unauthorized' } };
  });
}

describe('token use', () => {
  it('when a call is made, then it first gets a token with the credentials and sends it as a Bearer header', async () => {
    server.setHandler(() => ({ status: 200, body: { ok: true, run: RUN } }));
    ({ client } = makeClient(server));
    await client.getRun('r_1');
    expect(server.tokenRequests()).toHaveLength(1);
    expect(server.tokenRequests()[0]).toMatchObject({ method: 'POST', body: { clientId: 'client-id', clientSecret: 'client-secret-value' } });
    expect(server.apiRequests()[0].headers.authorization).toBe('Bearer token-1-abcdef');
  });

  it('when 50 calls start at once, then exactly one token request is sent', async () => {
    server.setHandler(() => ({ status: 200, body: { ok: true, run: RUN } }));
    let metrics;
    ({ client, metrics } = makeClient(server));
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.getRun(`r_${i}`)));
    expect(server.tokenRequests()).toHaveLength(1);
    expect(server.apiRequests()).toHaveLength(50);
    expect((await metrics.tokenRefreshes.get()).values[0].value).toBe(1);
  });

  it('when the token nears expiry by the clock, then the next call fetches a new one', async () => {
    const time = fakeTime();
    server.setTokenHandler(() => ({ status: 200, body: { ok: true, accessToken: `token-${server.tokenRequests().length}-abcdef`, expiresIn: 60, tokenType: 'Bearer' } }));
    acceptOnlyLatestToken();
    ({ client } = makeClient(server, { clock: time.clock, sleep: time.sleep }));
    await client.getRun('r_1');
    time.advance(50_000);
    await client.getRun('r_1');
    expect(server.tokenRequests()).toHaveLength(1);
    time.advance(5_000); // 55 s: inside the last tenth of a 60 s lifetime
    await client.getRun('r_1');
    expect(server.tokenRequests()).toHaveLength(2);
    expect(server.apiRequests().map((r) => r.headers.authorization)).toEqual(['Bearer token-1-abcdef', 'Bearer token-1-abcdef', 'Bearer token-2-abcdef']);
  });

  it('when the JWT exp is earlier than expiresIn, then the token is refreshed by exp', async () => {
    const time = fakeTime();
    const nowS = time.clock.now() / 1000;
    const key = new TextEncoder().encode('k'.repeat(32));
    const jwts = [
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(nowS + 100).sign(key),
      await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(nowS + 10_000).sign(key),
    ];
    server.setTokenHandler(() => ({ status: 200, body: { ok: true, accessToken: jwts[server.tokenRequests().length - 1], expiresIn: 10_800, tokenType: 'Bearer' } }));
    server.setHandler(() => ({ status: 200, body: { ok: true, run: RUN } }));
    ({ client } = makeClient(server, { clock: time.clock, sleep: time.sleep }));
    await client.getRun('r_1');
    time.advance(91_000);
    await client.getRun('r_1');
    expect(server.tokenRequests()).toHaveLength(2);
    expect(server.apiRequests()[1].headers.authorization).toBe(`Bearer ${jwts[1]}`);
  });

  it('when a call gets 401, then the token is refreshed once and the call retried with the new token', async () => {
    const revoked = new Set<string>();
    server.setHandler((req) =>
      revoked.has(String(req.headers.authorization)) ? { status: 401, body: { ok: false, error: 'unauthorized' } } : { status: 200, body: { ok: true, run: RUN } },
    );
    ({ client } = makeClient(server));
    await client.getRun('r_1');
    revoked.add('Bearer token-1-abcdef'); // Port drops token 1 before its expiry
    await expect(client.getRun('r_1')).resolves.toMatchObject({ id: 'r_1' });
    const auths = server.apiRequests().map((r) => r.headers.authorization);
    expect(auths).toEqual(['Bearer token-1-abcdef', 'Bearer token-1-abcdef', 'Bearer token-2-abcdef']);
    expect(server.tokenRequests()).toHaveLength(2);
  });

  it('when the retried call gets 401 again, then it fails with 401 and no further refresh (no loop)', async () => {
    server.setHandler(() => ({ status: 401, body: { ok: false, error: 'unauthorized', message: 'token rejected' }, headers: { 'x-trace-id': 't-401' } }));
    ({ client } = makeClient(server));
    await expect(client.patchRun('r_1', { summary: 's' })).rejects.toMatchObject({ code: 'port_api_error', status: 401, portError: 'unauthorized', traceId: 't-401' });
    expect(server.tokenRequests()).toHaveLength(2);
    expect(server.apiRequests()).toHaveLength(2);
  });

  it('when 20 calls get 401 with the same token, then one refresh serves them all', async () => {
    let revoked = false;
    server.setHandler((req) =>
      revoked && req.headers.authorization === 'Bearer token-1-abcdef' ? { status: 401, body: { ok: false, error: 'unauthorized' } } : { status: 200, body: { ok: true, run: RUN } },
    );
    ({ client } = makeClient(server));
    await client.getRun('r_1');
    revoked = true;
    await Promise.all(Array.from({ length: 20 }, () => client.getRun('r_1')));
    expect(server.tokenRequests()).toHaveLength(2);
  });

  it('when the credentials are refused, then calls fail with the token route and 401', async () => {
    server.setTokenHandler(() => ({ status: 401, body: { ok: false, error: 'unauthorized', message: 'bad client' } }));
    ({ client } = makeClient(server));
    await expect(client.checkToken()).rejects.toMatchObject({ status: 401, route: 'POST /v1/auth/access_token', portError: 'unauthorized' });
    await expect(client.getRun('r_1')).rejects.toMatchObject({ status: 401, route: 'POST /v1/auth/access_token' });
    expect(server.apiRequests()).toHaveLength(0);
  });

  it('when checkToken is called with a valid cached token, then no token request is sent', async () => {
    ({ client } = makeClient(server));
    await client.checkToken();
    await client.checkToken();
    expect(server.tokenRequests()).toHaveLength(1);
  });
});

describe('logs', () => {
  it('when attempts fail, then the log lines carry route, status and trace id but never the token or the secret', async () => {
    const lines: string[] = [];
    class Capture extends Transport {
      override log(info: unknown, next: () => void): void {
        lines.push(JSON.stringify(info));
        next();
      }
    }
    const redactor = new Redactor();
    const logger = createLogger({ level: 'debug', json: true, redactor, transports: [new Capture()] });
    let n = 0;
    server.setHandler(() => (++n === 1 ? { status: 401, body: { ok: false, error: 'unauthorized' } } : n === 2 ? { status: 503, headers: { 'x-trace-id': 'trace-503' } } : { status: 200, body: { ok: true, run: RUN } }));
    ({ client } = makeClient(server, { logger, redactor }));
    await client.getRun('r_1');
    const text = lines.join('\n');
    expect(text).toContain('trace-503');
    expect(text).toContain('GET /v1/actions/runs/{run_id}');
    expect(text).not.toMatch(/token-\d-abcdef/);
    expect(text).not.toContain('client-secret-value');
  });
});
