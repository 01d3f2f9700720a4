import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { signPortWebhook } from '../../src/verify/sign.js';
import { CREDS } from './helpers.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
}

/** A stand-in webhook backend that records what arrived and answers with a chosen status. */
function receiver(status = 202) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300, got: true }));
    });
  });
  return {
    received,
    listen: () => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`))),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let sim: RunningSimulator;
const backend = receiver();
let url: string;

beforeAll(async () => {
  sim = await startSimulator({ ...CREDS });
  url = await backend.listen();
});
afterAll(async () => {
  await sim.close();
  await backend.close();
});

function verify(r: Received, secret = CREDS.clientSecret): boolean {
  const ts = String(r.headers['x-port-timestamp']);
  return r.headers['x-port-signature'] === signPortWebhook(secret, ts, r.raw);
}

describe('deliver()', () => {
  const inputs = { name: 'svc', region: 'eu-west-1' };

  it('when delivering the v1 envelope, then the run is created and the signed body carries context.runId and payload.properties', async () => {
    const res = await sim.sim.deliver({ url, action: 'create_svc', shape: 'v1', inputs, blueprint: 'service' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, got: true });
    const r = backend.received.at(-1)!;
    expect(verify(r)).toBe(true);
    expect(r.headers['x-port-timestamp']).toMatch(/^\d{10}$/);
    const body = JSON.parse(r.raw.toString());
    expect(body).toMatchObject({ action: 'create_svc', resourceType: 'run', status: 'TRIGGERED', context: { runId: res.runId, blueprint: 'service', entity: null }, payload: { properties: inputs } });
    expect(sim.sim.run(res.runId)).toMatchObject({ status: 'IN_PROGRESS', action: { identifier: 'create_svc' }, properties: inputs });
  });

  it('when delivering trigger data for a day-2 entity, then inputs, entity, action and run.id are in the signed body', async () => {
    const entity = { identifier: 'svc-1', blueprint: 'service', title: 'Svc', properties: {} };
    const res = await sim.sim.deliver({ url, action: 'service_restart', shape: 'trigger', inputs, entity });
    const r = backend.received.at(-1)!;
    expect(verify(r)).toBe(true);
    expect(JSON.parse(r.raw.toString())).toMatchObject({ inputs, entity, action: { identifier: 'service_restart', blueprint: 'service' }, run: { id: res.runId }, trigger: { operation: 'DAY-2' } });
  });

  it('when delivering the default template, then the body is inputs plus port_context and the RUN_ID header is set', async () => {
    const res = await sim.sim.deliver({ url, action: 'a', shape: 'default-template', inputs, runId: 'r_given0000000001' });
    expect(res.runId).toBe('r_given0000000001');
    const r = backend.received.at(-1)!;
    expect(verify(r)).toBe(true);
    expect(r.headers.run_id).toBe('r_given0000000001');
    expect(JSON.parse(r.raw.toString())).toEqual({ ...inputs, port_context: { runId: 'r_given0000000001' } });
  });

  it('when delivering as a url-action, then the default template goes to <url>/<action>', async () => {
    await sim.sim.deliver({ url, action: 'create_svc', shape: 'url-action', inputs, secret: 'other-secret', timestamp: 1700000000 });
    const r = backend.received.at(-1)!;
    expect(r.path).toBe('/webhook/create_svc');
    expect(r.headers['x-port-timestamp']).toBe('1700000000');
    expect(verify(r, 'other-secret')).toBe(true);
    expect(verify(r)).toBe(false);
  });

  it('when an existing run is delivered, then no second run is created and its invocation is recorded', async () => {
    const run = sim.sim.createRun({ action: 'a' });
    const before = sim.sim.runs().length;
    await sim.sim.deliver({ url, action: 'a', shape: 'default-template', runId: run.id });
    expect(sim.sim.runs()).toHaveLength(before);
    expect(sim.sim.run(run.id)!.payload).toMatchObject({ type: 'WEBHOOK', url, synchronized: false, headers: { RUN_ID: run.id } });
  });

  it('when delivered over POST /_sim/deliver, then the answer reports the run and the status', async () => {
    const res = await fetch(`${sim.url}/_sim/deliver`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url, action: 'a', shape: 'trigger', inputs }) });
    const json = (await res.json()) as { delivery: { runId: string; status: number } };
    expect(json.delivery.status).toBe(202);
    expect(verify(backend.received.at(-1)!)).toBe(true);
    expect(sim.sim.run(json.delivery.runId)).toBeDefined();
  });
});

describe('deliver() for synchronized actions', () => {
  it('when the webhook answers 2xx, then Port marks the run SUCCESS and keeps the response; non-2xx is FAILURE', async () => {
    const ok = await sim.sim.deliver({ url, action: 'a', shape: 'default-template', synchronized: true });
    expect(sim.sim.run(ok.runId)).toMatchObject({ status: 'SUCCESS', response: { ok: true, got: true } });
    const failing = receiver(422);
    const failUrl = await failing.listen();
    const bad = await sim.sim.deliver({ url: failUrl, action: 'a', shape: 'default-template', synchronized: true });
    await failing.close();
    expect(sim.sim.run(bad.runId)).toMatchObject({ status: 'FAILURE', summary: 'Failed to invoke the webhook with status code: 422.' });
  });

  it('when nothing answers, then status 0 is returned and a synchronized run fails', async () => {
    const gone = receiver();
    const goneUrl = await gone.listen();
    await gone.close();
    const res = await sim.sim.deliver({ url: goneUrl, action: 'a', shape: 'v1', synchronized: true });
    expect(res).toMatchObject({ status: 0, body: null, error: expect.any(String) });
    expect(sim.sim.run(res.runId)!.status).toBe('FAILURE');
  });
});
