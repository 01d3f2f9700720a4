import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PortClient } from '../../src/port/client.js';
import { makeClient } from './clientKit.js';
import { fakeTime } from './fakeTime.js';
import { sequence, startTestServer, type TestServer } from './testServer.js';

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

describe('retry matrix', () => {
  it.each([408, 429, 500, 502, 503, 504])('when Port answers %i then 200, then the call is retried and succeeds', async (status) => {
    server.setHandler(sequence({ status, body: { ok: false, error: 'busy' } }, { status: 200, body: { ok: true, run: RUN } }));
    let metrics;
    ({ client, metrics } = makeClient(server));
    await expect(client.getRun('r_1')).resolves.toMatchObject({ id: 'r_1' });
    expect(server.apiRequests()).toHaveLength(2);
    expect((await metrics.portRetries.get()).values[0]).toMatchObject({ value: 1, labels: { route: 'GET /v1/actions/runs/{run_id}' } });
    const byStatus = Object.fromEntries((await metrics.portRequests.get()).values.map((v) => [v.labels.status, v.value]));
    expect(byStatus).toMatchObject({ [String(status)]: 1, '200': 1 });
  });

  it.each([
    [400, 'bad_request'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [422, 'invalid_request'],
  ])('when Port answers %i, then it is not retried and the error carries status, code and trace id', async (status, error) => {
    server.setHandler(() => ({ status, body: { ok: false, error, message: 'nope' }, headers: { 'x-trace-id': 'trace-abc' } }));
    ({ client } = makeClient(server));
    await expect(client.getRun('r_1')).rejects.toMatchObject({
      code: 'port_api_error',
      status,
      portError: error,
      traceId: 'trace-abc',
      route: 'GET /v1/actions/runs/{run_id}',
    });
    expect(server.apiRequests()).toHaveLength(1);
  });
});

describe('server-given waits', () => {
  it('when a 429 has Retry-After in seconds, then that wait is used instead of the backoff', async () => {
    const time = fakeTime();
    server.setHandler(sequence({ status: 429, headers: { 'retry-after': '2' } }, { status: 200, body: { ok: true, run: RUN } }));
    ({ client } = makeClient(server, { clock: time.clock, sleep: time.sleep }));
    await client.getRun('r_1');
    expect(time.waits).toEqual([2000]);
  });

  it('when a 503 has Retry-After as an HTTP date, then the client waits until that date', async () => {
    const time = fakeTime();
    const at = new Date(time.clock.now() + 3000).toUTCString();
    server.setHandler(sequence({ status: 503, headers: { 'retry-after': at } }, { status: 200, body: { ok: true, run: RUN } }));
    ({ client } = makeClient(server, { clock: time.clock, sleep: time.sleep }));
    await client.getRun('r_1');
    expect(time.waits).toEqual([3000]);
  });

  it('when a 429 has x-ratelimit-reset in epoch seconds, then the client waits until the reset', async () => {
    const time = fakeTime();
    const reset = String(time.clock.now() / 1000 + 4);
    server.setHandler(sequence({ status: 429, headers: { 'x-ratelimit-reset': reset } }, { status: 200, body: { ok: true, run: RUN } }));
    ({ client } = makeClient(server, { clock: time.clock, sleep: time.sleep }));
    await client.getRun('r_1');
    expect(time.waits).toEqual([4000]);
  });

  it('when Retry-After is longer than the budget left, then it stops at once with the 429', async () => {
    const time = fakeTime();
    server.setHandler(() => ({ status: 429, body: { ok: false, error: 'rate_limited' }, headers: { 'retry-after': '60' } }));
    ({ client } = makeClient(server, { clock: time.clock, sleep: time.sleep }));
    await expect(client.getRun('r_1', { budgetMs: 10_000 })).rejects.toMatchObject({ status: 429, portError: 'rate_limited' });
    expect(server.apiRequests()).toHaveLength(1);
    expect(time.waits).toEqual([]);
  });
});

describe('budget', () => {
  it('when Port keeps answering 503, then attempts stop once the next wait would pass the budget', async () => {
    const time = fakeTime();
    server.setHandler(() => ({ status: 503, body: { ok: false, error: 'unavailable' } }));
    // random 1 → waits 100, 200, 400 (t = 700); the next, 800, would end past 1000.
    ({ client } = makeClient(server, { clock: time.clock, sleep: time.sleep, random: () => 1, retry: { baseDelayMs: 100, maxDelayMs: 10_000 } }));
    const err = client.patchRun('r_1', { statusLabel: 'x' }, { budgetMs: 1000 });
    await expect(err).rejects.toMatchObject({ code: 'port_api_error', status: 503, portError: 'unavailable', route: 'PATCH /v1/actions/runs/{run_id}' });
    await expect(err).rejects.toThrow(/gave up after 4 attempt/);
    expect(server.apiRequests()).toHaveLength(4);
    expect(time.waits).toEqual([100, 200, 400]);
  });

  it('when the per-call budget is not given, then the client default applies', async () => {
    const time = fakeTime();
    server.setHandler(() => ({ status: 500 }));
    ({ client } = makeClient(server, { clock: time.clock, sleep: time.sleep, random: () => 1, budgetMs: 350, retry: { baseDelayMs: 100, maxDelayMs: 10_000 } }));
    await expect(client.getRun('r_1')).rejects.toMatchObject({ status: 500 });
    expect(time.waits).toEqual([100, 200]);
  });
});

describe('network errors', () => {
  it('when the connection drops without an answer, then the call is retried and succeeds', async () => {
    server.setHandler(sequence({ status: 0, destroy: true }, { status: 200, body: { ok: true, run: RUN } }));
    let metrics;
    ({ client, metrics } = makeClient(server));
    await expect(client.getRun('r_1')).resolves.toMatchObject({ id: 'r_1' });
    expect(server.apiRequests()).toHaveLength(2);
    const statuses = (await metrics.portRequests.get()).values.map((v) => v.labels.status);
    expect(statuses).toContain('network');
  });

  it('when nothing listens, then the budget ends it with status 0', async () => {
    const time = fakeTime();
    const url = server.url;
    await server.close();
    server = await startTestServer(); // for afterEach; the client aims at the closed port
    const fast = { clock: time.clock, sleep: time.sleep, random: () => 1, budgetMs: 1000, retry: { baseDelayMs: 100, maxDelayMs: 10_000 } };
    ({ client } = makeClient({ ...server, url }, fast));
    await expect(client.getRun('r_1')).rejects.toMatchObject({ code: 'port_api_error', status: 0, route: 'POST /v1/auth/access_token' });
    expect(time.waits).toEqual([100, 200, 400]);
  });

  it('when the token request hangs past a call\'s budget, then that call ends at its budget while the fetch goes on', async () => {
    server.setTokenHandler(() => ({ status: 200, body: { ok: true, accessToken: 'slow-token-123', expiresIn: 3600, tokenType: 'Bearer' }, delayMs: 300 }));
    server.setHandler(() => ({ status: 200, body: { ok: true, run: RUN } }));
    ({ client } = makeClient(server));
    const patient = client.getRun('r_1', { budgetMs: 5_000 });
    await expect(client.getRun('r_1', { budgetMs: 50 })).rejects.toMatchObject({ code: 'port_api_error', status: 0, portError: 'budget_exhausted' });
    await expect(patient).resolves.toMatchObject({ id: 'r_1' });
    expect(server.tokenRequests()).toHaveLength(1);
    expect(server.apiRequests()).toHaveLength(1);
  });

  it('when an attempt takes longer than the request timeout, then it counts as a network error and is retried', async () => {
    // The timeout bounds every attempt (and the token request): wide enough that only the hung one hits it.
    server.setHandler(sequence({ status: 200, body: { ok: true, run: RUN }, delayMs: 3_000 }, { status: 200, body: { ok: true, run: RUN } }));
    let metrics;
    ({ client, metrics } = makeClient(server, { requestTimeoutMs: 1_000 }));
    await expect(client.getRun('r_1')).resolves.toMatchObject({ id: 'r_1' });
    expect(server.apiRequests()).toHaveLength(2);
    const byStatus = Object.fromEntries((await metrics.portRequests.get()).values.filter((v) => v.labels.route === 'GET /v1/actions/runs/{run_id}').map((v) => [v.labels.status, v.value]));
    expect(byStatus).toEqual({ network: 1, '200': 1 });
  });

  it('when the caller aborts during a wait, then the call ends with an aborted PortApiError and no further attempt', async () => {
    server.setHandler(() => ({ status: 503 }));
    const controller = new AbortController();
    ({ client } = makeClient(server, { retry: { baseDelayMs: 5_000, maxDelayMs: 5_000 }, budgetMs: 60_000 }));
    const call = client.getRun('r_1', { signal: controller.signal });
    while (server.apiRequests().length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'port_api_error', status: 0, portError: 'aborted' });
    expect(server.apiRequests()).toHaveLength(1);
  });
});
