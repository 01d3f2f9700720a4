import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CodedError } from '../../src/errors.js';
import { createIngressApp } from '../../src/ingress/app.js';
import { NOW_S, SECRET, captureLogger, makeDeps, signed } from './helpers.js';

const body = JSON.stringify({ port_context: { runId: 'r_app1' }, name: 'svc', region: 'eu' });

function post(app: ReturnType<typeof createIngressApp>, payload: string | Buffer, headers: Record<string, string>, path = '/webhook') {
  return request(app).post(path).set(headers).send(Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
}

describe('POST /webhook answers', () => {
  it('when a signed async delivery arrives, then it is dispatched and answered 202 {"ok":true,"runId"}', async () => {
    const deps = makeDeps();
    const res = await post(createIngressApp(deps), body, signed(body));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, runId: 'r_app1' });
    expect(deps.dispatcher.calls).toHaveLength(1);
    expect(deps.dispatcher.calls[0].invocation).toMatchObject({ runId: 'r_app1', action: null, inputs: { name: 'svc', region: 'eu' } });
    expect(deps.dispatcher.calls[0].meta.requestId).toBe(res.headers['x-request-id']);
  });

  it('when the delivery has no Content-Type, then it is still read and accepted', async () => {
    const deps = makeDeps();
    // supertest adds no Content-Type for a Buffer body.
    const res = await request(createIngressApp(deps)).post('/webhook').set(signed(body)).send(Buffer.from(body));
    expect(res.status).toBe(202);
    expect(deps.dispatcher.calls).toHaveLength(1);
  });

  it('when the delivery says text/plain, then it is still read and accepted', async () => {
    const deps = makeDeps();
    const res = await post(createIngressApp(deps), body, { ...signed(body), 'content-type': 'text/plain' });
    expect(res.status).toBe(202);
  });

  it('when the URL names another action than the signed body, then 400 action_mismatch and nothing is dispatched', async () => {
    const deps = makeDeps();
    const v1 = JSON.stringify({ action: 'from_body', context: { runId: 'r_url' } });
    const res = await post(createIngressApp(deps), v1, signed(v1), '/webhook/from_url');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ ok: false, error: 'action_mismatch' });
    expect(deps.dispatcher.calls).toEqual([]);
  });

  it('when the URL names an action and the body none, then the URL\'s action is dispatched', async () => {
    const deps = makeDeps();
    const body = JSON.stringify({ port_context: { runId: 'r_url' } });
    const res = await post(createIngressApp(deps), body, signed(body), '/webhook/from_url');
    expect(res.status).toBe(202);
    expect(deps.dispatcher.calls[0].invocation.action).toBe('from_url');
  });

  it('when the run was already accepted, then it answers 200 with duplicate:true', async () => {
    const deps = makeDeps();
    deps.dispatcher.answer = async (inv) => ({ kind: 'duplicate', runId: inv.runId });
    const res = await post(createIngressApp(deps), body, signed(body));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, runId: 'r_app1', duplicate: true });
  });

  it('when a synchronized run succeeds with a result, then the result is the 200 JSON body', async () => {
    const deps = makeDeps();
    deps.dispatcher.answer = async (inv) => ({ kind: 'sync', runId: inv.runId, ok: true, result: { url: 'https://x', n: 2 } });
    const res = await post(createIngressApp(deps), body, signed(body));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ url: 'https://x', n: 2 });
  });

  it('when a synchronized run succeeds without a result, then it answers 200 {"ok":true,"runId"}', async () => {
    const deps = makeDeps();
    deps.dispatcher.answer = async (inv) => ({ kind: 'sync', runId: inv.runId, ok: true, result: undefined });
    const res = await post(createIngressApp(deps), body, signed(body));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, runId: 'r_app1' });
  });

  it('when a synchronized run fails, then it answers 422 run_failed with the label', async () => {
    const deps = makeDeps();
    deps.dispatcher.answer = async (inv) => ({ kind: 'sync', runId: inv.runId, ok: false, label: 'region is closed' });
    const res = await post(createIngressApp(deps), body, signed(body));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ ok: false, error: 'run_failed', message: 'region is closed' });
  });

  it('when a synchronized result cannot be serialized, then it answers 422 run_failed rather than 500', async () => {
    const deps = makeDeps();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    deps.dispatcher.answer = async (inv) => ({ kind: 'sync', runId: inv.runId, ok: true, result: circular });
    const res = await post(createIngressApp(deps), body, signed(body));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ ok: false, error: 'run_failed' });
  });

  it.each([
    ['queue_full', 503],
    ['shutting_down', 503],
    ['port_unavailable', 503],
    ['unknown_run', 400],
  ] as const)('when the dispatcher throws %s, then it answers %i with exactly that code', async (code, status) => {
    const deps = makeDeps();
    deps.dispatcher.answer = async () => {
      throw new CodedError(code, 'internal detail that must not leak');
    };
    const res = await post(createIngressApp(deps), body, signed(body));
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ ok: false, error: code });
  });

  it('when the dispatcher throws an uncoded error, then it answers 500 internal_error without its message', async () => {
    const deps = makeDeps();
    deps.dispatcher.answer = async () => {
      throw new Error('database exploded at /secret/path');
    };
    const res = await post(createIngressApp(deps), body, signed(body));
    expect(res.status).toBe(500);
    expect(res.text).toBe('{"ok":false,"error":"internal_error"}');
  });
});

describe('request ids and logs', () => {
  it('when the caller sends a sane x-request-id, then it is echoed and on every log line about the request', async () => {
    const cap = captureLogger();
    const deps = makeDeps({ logger: cap.logger });
    const res = await post(createIngressApp(deps), body, { ...signed(body), 'x-request-id': 'req-123' });
    expect(res.headers['x-request-id']).toBe('req-123');
    const lines = cap.lines();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.requestId).toBe('req-123');
  });

  it('when the x-request-id is not sane, then a UUID replaces it', async () => {
    const res = await post(createIngressApp(makeDeps()), body, { ...signed(body), 'x-request-id': 'bad id with spaces' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('when no x-request-id is sent, then every response (even a 404) carries a generated one', async () => {
    const res = await request(createIngressApp(makeDeps())).get('/nope');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when deliveries are logged at debug, then neither the secret nor the signature appears', async () => {
    const cap = captureLogger('debug');
    const deps = makeDeps({ logger: cap.logger });
    const app = createIngressApp(deps);
    const headers = signed(body);
    await post(app, body, headers);
    await post(app, body, { ...headers, 'x-port-signature': `${headers['x-port-signature'].slice(0, -3)}AA=` });
    const text = cap.text();
    expect(text).toContain('r_app1');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(headers['x-port-signature'].slice(3));
  });

  it('when the level is info, then one line is logged per accepted delivery and the payload is not', async () => {
    const cap = captureLogger('info');
    const deps = makeDeps({ logger: cap.logger });
    await post(createIngressApp(deps), body, signed(body));
    const lines = cap.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', runId: 'r_app1', outcome: 'accepted' });
    expect(cap.text()).not.toContain('eu"');
  });
});

describe('other routes', () => {
  it('when GET /healthz, then 200 {"ok":true}', async () => {
    const res = await request(createIngressApp(makeDeps())).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it('when readiness is ok, then /readyz answers 200 with the checks', async () => {
    const res = await request(createIngressApp(makeDeps())).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, checks: { config: { ok: true } } });
  });

  it('when a readiness check fails, then /readyz answers 503 with the checks', async () => {
    const deps = makeDeps({ readiness: async () => ({ ok: false, checks: { journal: { ok: false, detail: 'read-only' } } }) });
    const res = await request(createIngressApp(deps)).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ ok: false, checks: { journal: { ok: false, detail: 'read-only' } } });
  });

  it('when readiness throws, then /readyz answers 503 without the error text', async () => {
    const deps = makeDeps({
      readiness: async () => {
        throw new Error('boom at /internal');
      },
    });
    const res = await request(createIngressApp(deps)).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.ok).toBe(false);
    expect(res.text).not.toContain('/internal');
  });

  it('when deliveries happened, then /metrics shows the deliveries counter by outcome', async () => {
    const deps = makeDeps();
    const app = createIngressApp(deps);
    await post(app, body, signed(body));
    await post(app, body, { ...signed(body), 'x-port-signature': 'v1,AAAA' });
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toContain('port_runner_deliveries_total{outcome="accepted"} 1');
    expect(res.text).toContain('port_runner_deliveries_total{outcome="invalid_signature"} 1');
  });

  it('when the path is unknown, then 404 {"ok":false,"error":"not_found"}', async () => {
    const res = await request(createIngressApp(makeDeps())).post('/hooks').send('{}');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ ok: false, error: 'not_found' });
  });

  it('when the URL has a malformed escape, then it is 404 not_found, not a 500', async () => {
    const res = await request(createIngressApp(makeDeps())).post('/webhook/%E0%A4%A').send('{}');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ ok: false, error: 'not_found' });
  });

  it.each([
    ['get', '/webhook'],
    ['put', '/webhook'],
    ['delete', '/webhook/some_action'],
  ] as const)('when %s %s, then 405 method_not_allowed with Allow: POST', async (method, path) => {
    const deps = makeDeps();
    const res = await request(createIngressApp(deps))[method](path);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toEqual({ ok: false, error: 'method_not_allowed' });
    expect(deps.dispatcher.calls).toHaveLength(0);
  });

  it('when a timestamp in the past is signed with the right secret, then the clock decides (sanity of fixtures)', async () => {
    const deps = makeDeps();
    const old = String(NOW_S - 10_000);
    const res = await post(createIngressApp(deps), body, signed(body, { timestamp: old }));
    expect(res.body).toEqual({ ok: false, error: 'stale_timestamp' });
  });
});
