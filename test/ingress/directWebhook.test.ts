// The direct node:http webhook path beside the Express router it stands in for: the same answers, byte for
// byte, and everything it does not handle itself goes to Express.
import { describe, expect, it } from '@jest/globals';
import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createDelivery } from '../../src/ingress/delivery.js';
import { directWebhook } from '../../src/ingress/directWebhook.js';
import { createWebhookRouter } from '../../src/ingress/webhook.js';
import { makeDeps, signed } from './helpers.js';

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** Serves `listener` on loopback for one test; `send` writes the body in the given chunks (chunked when several). */
async function serve(listener: RequestListener) {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (opts: { method?: string; path?: string; headers?: Record<string, string>; chunks?: Array<string | Buffer> }): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const chunks = opts.chunks ?? [];
      const headers: Record<string, string> = { ...opts.headers };
      if (chunks.length === 1 && headers['transfer-encoding'] === undefined) headers['content-length'] = String(Buffer.byteLength(chunks[0]));
      const req = http.request({ host: '127.0.0.1', port, agent, method: opts.method ?? 'POST', path: opts.path ?? '/webhook', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      });
      req.on('error', reject);
      for (const c of chunks) req.write(c);
      req.end();
    });
  return {
    send,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The parts of an answer both paths must agree on (the request id differs per request). */
const comparable = (a: Answer) => ({
  status: a.status,
  body: a.body,
  contentType: a.headers['content-type'],
  contentLength: a.headers['content-length'],
  hasRequestId: typeof a.headers['x-request-id'] === 'string',
});

function bothPaths() {
  const deps = makeDeps();
  const delivery = createDelivery(deps);
  const viaExpress = express();
  viaExpress.use(createWebhookRouter(deps, delivery));
  let fellBack = 0;
  const direct = directWebhook(deps, delivery, (req, res) => {
    fellBack++;
    viaExpress(req as express.Request, res as express.Response);
  });
  return { deps, viaExpress, direct, fellBack: () => fellBack };
}

const body = JSON.stringify({ context: { runId: 'r_direct1' }, action: 'deploy', payload: { properties: { a: 1 } } });

describe('directWebhook', () => {
  it('when the same deliveries reach the direct path and the Express router, then every answer matches (status, body, content type and length)', async () => {
    const { direct, viaExpress, fellBack, deps } = bothPaths();
    const a = await serve(direct);
    const b = await serve(viaExpress as RequestListener);
    try {
      const big = 'x'.repeat(deps.config.webhookMaxBodyBytes + 1);
      const cases: Array<Parameters<typeof a.send>[0]> = [
        { headers: signed(body), chunks: [body] },
        { path: '/webhook/deploy', headers: signed(body), chunks: [body] },
        { path: '/webhook/other', headers: signed(body), chunks: [body] },
        { headers: signed(body), chunks: [body.slice(0, 10), body.slice(10)] },
        { headers: { ...signed(body), 'x-port-signature': 'v1,AAAA' }, chunks: [body] },
        { headers: { 'x-port-signature': signed(body)['x-port-signature'] }, chunks: [body] },
        { headers: signed('not json'), chunks: ['not json'] },
        { headers: signed('{}'), chunks: ['{}'] },
        { headers: signed(big), chunks: [big] },
        { headers: signed(big), chunks: [big.slice(0, 1000), big.slice(1000)] },
      ];
      for (const c of cases) {
        const [x, y] = [await a.send(c), await b.send(c)];
        expect({ path: c.path, ...comparable(x) }).toEqual({ path: c.path, ...comparable(y) });
      }
      expect(fellBack()).toBe(0);
      // Two accepted per path for the first and the chunked case, one for /webhook/deploy (the mismatch was refused).
      expect(deps.dispatcher.calls.map((c) => c.invocation.runId)).toEqual(['r_direct1', 'r_direct1', 'r_direct1', 'r_direct1', 'r_direct1', 'r_direct1']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('when a request is not a plain POST to a webhook route, then it goes to the Express app (and is answered as there)', async () => {
    const { direct, fellBack, deps } = bothPaths();
    const a = await serve(direct);
    try {
      expect((await a.send({ method: 'GET' })).status).toBe(405);
      expect((await a.send({ path: '/webhook?via=query', headers: signed(body), chunks: [body] })).status).toBe(202);
      expect((await a.send({ path: '/webhook/dep%6Coy', headers: signed(body), chunks: [body] })).status).toBe(202); // decoded by Express: "deploy"
      const compressed = await a.send({ headers: { ...signed(body), 'content-encoding': 'compress' }, chunks: [body] });
      expect(JSON.parse(compressed.body)).toEqual({ ok: false, error: 'invalid_body' });
      expect(fellBack()).toBe(4);
      expect(deps.dispatcher.calls).toHaveLength(2);
    } finally {
      await a.close();
    }
  });

  it('when a streamed body passes the size limit, then 413 payload_too_large at once, nothing is dispatched, and the connection serves the next delivery', async () => {
    const { direct, deps } = bothPaths();
    const a = await serve(direct);
    try {
      const chunk = 'y'.repeat(1000);
      const tooBig = await a.send({ headers: { ...signed('whatever'), 'transfer-encoding': 'chunked' }, chunks: [chunk, chunk, chunk] });
      expect(tooBig.status).toBe(413);
      expect(JSON.parse(tooBig.body)).toEqual({ ok: false, error: 'payload_too_large' });
      expect(deps.dispatcher.calls).toHaveLength(0);
      const next = await a.send({ headers: signed(body), chunks: [body] });
      expect(next.status).toBe(202);
      expect(deps.dispatcher.calls).toHaveLength(1);
    } finally {
      await a.close();
    }
  });

  it('when the caller sends a sane x-request-id, then the direct path echoes it and passes it to the dispatcher', async () => {
    const { direct, deps } = bothPaths();
    const a = await serve(direct);
    try {
      const res = await a.send({ headers: { ...signed(body), 'x-request-id': 'req-direct-7' }, chunks: [body] });
      expect(res.headers['x-request-id']).toBe('req-direct-7');
      expect(deps.dispatcher.calls[0].meta.requestId).toBe('req-direct-7');
    } finally {
      await a.close();
    }
  });

  it('when counting or logging a refusal throws, then the delivery is still answered 500 internal_error (not left hanging)', async () => {
    const deps = makeDeps();
    const broken = { ...deps.metrics, deliveries: { inc: () => { throw new Error('metrics broke'); } } } as unknown as typeof deps.metrics;
    const d = { ...deps, metrics: broken };
    const direct = directWebhook(d, createDelivery(d), () => undefined);
    const a = await serve(direct);
    try {
      const badSig = await a.send({ headers: { ...signed(body), 'x-port-signature': 'v1,AAAA' }, chunks: [body] });
      expect({ status: badSig.status, body: JSON.parse(badSig.body) }).toEqual({ status: 500, body: { ok: false, error: 'internal_error' } });
      const big = 'z'.repeat(d.config.webhookMaxBodyBytes + 1);
      const tooBig = await a.send({ headers: signed(big), chunks: [big] });
      expect({ status: tooBig.status, body: JSON.parse(tooBig.body) }).toEqual({ status: 500, body: { ok: false, error: 'internal_error' } });
    } finally {
      await a.close();
    }
  });
});
