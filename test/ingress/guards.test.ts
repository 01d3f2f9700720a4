// Each guard of the webhook route through HTTP: its code and status, the order between guards, and that nothing
// is dispatched on any rejection.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import express from 'express';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { createIngressApp } from '../../src/ingress/app.js';
import { createWebhookRouter } from '../../src/ingress/webhook.js';
import { escapeNonAscii } from '../../src/verify/signature.js';
import { NOW_S, RecordingDispatcher, captureLogger, makeDeps, signed } from './helpers.js';

const body = JSON.stringify({ port_context: { runId: 'r_guard' }, name: 'svc' });
let deps = makeDeps();

function send(payload: string | Buffer, headers: Record<string, string | string[]>, path = '/webhook') {
  const req = request(createIngressApp(deps)).post(path);
  for (const [k, v] of Object.entries(headers)) req.set(k, v as string);
  return req.send(Buffer.isBuffer(payload) ? payload : Buffer.from(payload));
}

afterEach(() => {
  deps = makeDeps();
});

function expectRejected(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, text: res.text }).toEqual({ status, text: JSON.stringify({ ok: false, error: code }) });
  expect((deps.dispatcher as RecordingDispatcher).calls).toHaveLength(0);
}

describe('raw body guard', () => {
  it('when the body exceeds WEBHOOK_MAX_BODY_BYTES, then 413 payload_too_large', async () => {
    const big = JSON.stringify({ port_context: { runId: 'r_big' }, pad: 'x'.repeat(3000) });
    expectRejected(await send(big, signed(big)), 413, 'payload_too_large');
  });

  it('when the body is exactly at the limit, then it is read', async () => {
    const base = JSON.stringify({ port_context: { runId: 'r_edge' }, pad: '' });
    const edge = base.replace('"pad":""', `"pad":"${'x'.repeat(2048 - base.length)}"`);
    expect(Buffer.byteLength(edge)).toBe(2048);
    const res = await send(edge, signed(edge));
    expect(res.status).toBe(202);
  });

  it('when express.json() runs before the webhook router, then 500 body_already_parsed and a log line saying to mount it first', async () => {
    const cap = captureLogger();
    const d = makeDeps({ logger: cap.logger });
    const app = express();
    app.use(express.json());
    app.use(createWebhookRouter(d));
    const res = await request(app)
      .post('/webhook')
      .set({ ...signed(body), 'content-type': 'application/json' })
      .send(body);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ ok: false, error: 'body_already_parsed' });
    expect(d.dispatcher.calls).toHaveLength(0);
    const line = cap.lines().find((l) => l.code === 'body_already_parsed');
    expect(line).toMatchObject({ level: 'error' });
    expect(String(line?.message)).toContain('a JSON body parser runs before the webhook route; mount the webhook router first');
  });

  it('when the router is mounted before express.json() in a user app, then deliveries verify and other routes still get JSON', async () => {
    const d = makeDeps();
    const app = express();
    app.use(createWebhookRouter(d));
    app.use(express.json());
    app.post('/other', (req, res) => {
      res.json({ got: req.body });
    });
    const ok = await request(app).post('/webhook').set({ ...signed(body), 'content-type': 'application/json' }).send(body);
    expect(ok.status).toBe(202);
    const other = await request(app).post('/other').send({ a: 1 });
    expect(other.body).toEqual({ got: { a: 1 } });
  });

  it('when the Content-Encoding is unsupported, then 400 invalid_body', async () => {
    expectRejected(await send(body, { ...signed(body), 'content-encoding': 'compress' }), 400, 'invalid_body');
  });
});

describe('timestamp guard', () => {
  it('when x-port-timestamp is missing, then 401 missing_timestamp', async () => {
    const { 'x-port-signature': sig } = signed(body);
    expectRejected(await send(body, { 'x-port-signature': sig }), 401, 'missing_timestamp');
  });

  it.each(['hello', '1.5', '-1', '1700000000.x'])('when x-port-timestamp is %j, then 401 invalid_timestamp', async (ts) => {
    expectRejected(await send(body, signed(body, { timestamp: ts })), 401, 'invalid_timestamp');
  });

  it('when x-port-timestamp is sent twice, then 401 invalid_timestamp', async () => {
    const h = signed(body);
    expectRejected(await send(body, { ...h, 'x-port-timestamp': [h['x-port-timestamp'], h['x-port-timestamp']] }), 401, 'invalid_timestamp');
  });

  it('when the timestamp is beyond the tolerance in the past or future, then 401 stale_timestamp and the log names the direction', async () => {
    const cap = captureLogger();
    deps = makeDeps({ logger: cap.logger });
    expectRejected(await send(body, signed(body, { timestamp: String(NOW_S - 301) })), 401, 'stale_timestamp');
    expectRejected(await send(body, signed(body, { timestamp: String(NOW_S + 302) })), 401, 'stale_timestamp');
    const messages = cap.lines().map((l) => String(l.message));
    expect(messages.some((m) => m.includes('too old') && m.includes('NTP'))).toBe(true);
    expect(messages.some((m) => m.includes('too new') && m.includes('NTP'))).toBe(true);
  });

  it('when the timestamp is in milliseconds within the window, then it is accepted', async () => {
    const res = await send(body, signed(body, { timestamp: String(NOW_S * 1000) }));
    expect(res.status).toBe(202);
  });
});

describe('signature guard', () => {
  it('when x-port-signature is missing, then 401 missing_signature', async () => {
    const { 'x-port-timestamp': ts } = signed(body);
    expectRejected(await send(body, { 'x-port-timestamp': ts }), 401, 'missing_signature');
  });

  it('when the body was signed with another secret, then 401 invalid_signature and the log names the secret variables', async () => {
    const cap = captureLogger();
    deps = makeDeps({ logger: cap.logger });
    expectRejected(await send(body, signed(body, { secret: 'someone-else' })), 401, 'invalid_signature');
    expect(cap.lines().some((l) => String(l.message).includes('PORT_CLIENT_SECRET'))).toBe(true);
  });

  it('when one byte of the body changed after signing, then 401 invalid_signature', async () => {
    expectRejected(await send(body.replace('svc', 'svd'), signed(body)), 401, 'invalid_signature');
  });

  it('when x-port-signature is sent twice, then 401 invalid_signature', async () => {
    const h = signed(body);
    expectRejected(await send(body, { ...h, 'x-port-signature': [h['x-port-signature'], h['x-port-signature']] }), 401, 'invalid_signature');
  });

  it('when the signature was made with a rotation secret in deps.secrets, then it is accepted', async () => {
    deps = makeDeps({ secrets: ['primary-secret', 'rotated-secret'] });
    const res = await send(body, signed(body, { secret: 'rotated-secret' }));
    expect(res.status).toBe(202);
  });

  it('when port-agent forwards spaced ASCII-escaped JSON signed compact, then it is accepted', async () => {
    const fixture = JSON.parse(
      readFileSync(new URL('../fixtures/peer-port-agent-kafka-run-message-signed.json', import.meta.url), 'utf8'),
    ) as { _meta: { signature_vector: { secret: string; timestamp: string; signed_content: string; expected_signature: string } } };
    const sv = fixture._meta.signature_vector;
    deps = makeDeps({ secrets: [sv.secret], clock: { now: () => Number(sv.timestamp) * 1000 } });
    const wire = JSON.stringify(JSON.parse(sv.signed_content), null, 1);
    const res = await send(wire, { 'x-port-timestamp': sv.timestamp, 'x-port-signature': sv.expected_signature });
    expect(res.status).toBe(202);
    expect(deps.dispatcher.calls[0].invocation).toMatchObject({ runId: 'r_jE5FhDURh4Uen2Qr', action: 'Create' });
  });

  it('when port-agent relays floats like 1e-07 (signed as Python writes them), then it is accepted and the body parsed once', async () => {
    const python = JSON.parse(readFileSync(new URL('../fixtures/python-json-dumps-vectors.json', import.meta.url), 'utf8')) as {
      _meta: { secret: string; 'x-port-timestamp': string };
      vectors: Array<{ name: string; wire: string; 'x-port-signature': string }>;
    };
    const v = python.vectors.find((x) => x.name === 'small floats')!;
    deps = makeDeps({ secrets: [python._meta.secret], clock: { now: () => Number(python._meta['x-port-timestamp']) * 1000 } });
    const parse = jest.spyOn(JSON, 'parse');
    const res = await send(v.wire, { 'x-port-timestamp': python._meta['x-port-timestamp'], 'x-port-signature': v['x-port-signature'] });
    const parsedWire = parse.mock.calls.filter(([text]) => text === v.wire).length;
    parse.mockRestore();
    expect(res.status).toBe(202);
    expect(parsedWire).toBe(1);
    expect(deps.dispatcher.calls[0].invocation).toMatchObject({ runId: 'r_py', inputs: { a: 1e-7, b: 1e-5 } });
  });

  it('when a non-ASCII body is sent spaced and signed escaped-compact, then it is accepted', async () => {
    const value = { port_context: { runId: 'r_cafe' }, name: 'café' };
    const signedForm = escapeNonAscii(JSON.stringify(value));
    const wire = escapeNonAscii(JSON.stringify(value, null, 2));
    const res = await send(wire, signed(signedForm));
    expect(res.status).toBe(202);
  });
});

describe('JSON and normalization guard', () => {
  it('when a correctly signed body is not JSON, then 400 invalid_json', async () => {
    const notJson = '{"port_context":';
    expectRejected(await send(notJson, signed(notJson)), 400, 'invalid_json');
  });

  it('when a correctly signed body is empty, then 400 invalid_json', async () => {
    expectRejected(await send('', signed('')), 400, 'invalid_json');
  });

  it('when a correctly signed body carries no run id, then 400 missing_run_id', async () => {
    const noRun = JSON.stringify({ name: 'svc' });
    expectRejected(await send(noRun, signed(noRun)), 400, 'missing_run_id');
  });

  it('when the body has no run id but the RUN_ID header has one, then it is accepted', async () => {
    const noRun = JSON.stringify({ name: 'svc' });
    const res = await send(noRun, { ...signed(noRun), RUN_ID: 'r_header' });
    expect(res.status).toBe(202);
    expect(deps.dispatcher.calls[0].invocation).toMatchObject({ runId: 'r_header', runIdFromHeader: true }); // the dispatcher confirms it with Port
  });
});

describe('guard order', () => {
  it('when the body is oversize and the signature is bad, then 413 comes first', async () => {
    const big = 'x'.repeat(5000);
    expectRejected(await send(big, signed('other')), 413, 'payload_too_large');
  });

  it('when both headers are missing, then missing_timestamp comes first', async () => {
    expectRejected(await send(body, {}), 401, 'missing_timestamp');
  });

  it('when the timestamp is stale and the signature bad, then stale_timestamp comes first', async () => {
    expectRejected(await send(body, signed(body, { timestamp: String(NOW_S - 10_000), secret: 'wrong' })), 401, 'stale_timestamp');
  });

  it('when the signature is bad and the body is not JSON, then invalid_signature comes first', async () => {
    expectRejected(await send('not json', signed('{}')), 401, 'invalid_signature');
  });

  it('when the signature is bad and the body has no run id, then invalid_signature comes first', async () => {
    const noRun = JSON.stringify({ name: 'svc' });
    expectRejected(await send(noRun, signed(noRun, { secret: 'wrong' })), 401, 'invalid_signature');
  });

  it('when a rejection happens, then the deliveries metric counts its code', async () => {
    await send(body, signed(body, { secret: 'wrong' }));
    const metric = await deps.metrics.deliveries.get();
    expect(metric.values).toEqual([expect.objectContaining({ labels: { outcome: 'invalid_signature' }, value: 1 })]);
  });
});
