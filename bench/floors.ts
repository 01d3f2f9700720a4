// The two floors the full stack is compared with: servers that do only the unavoidable work of a webhook
// backend (read the raw body, check the HMAC, parse the JSON, answer 202) and nothing else: no timestamp
// window, no journal, no queue, no logging. Both listen on 127.0.0.1.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface Floor {
  url: string;
  stop(): Promise<void>;
}

/** True when `signature` (`v1,<base64>` entries) is the HMAC of `<timestamp>.<body>` under `secret`. */
export function verifyHmac(secret: string, timestamp: string | undefined, signature: string | undefined, body: Buffer): boolean {
  if (!timestamp || !signature) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  return signature.split(/\s+/).some((entry) => {
    if (!entry.startsWith('v1,')) return false;
    const given = Buffer.from(entry.slice(3), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The answer both floors and the service give an accepted delivery. */
function accepted(body: Buffer): { status: number; json: string } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { context?: { runId?: string } };
    return { status: 202, json: JSON.stringify({ ok: true, runId: parsed.context?.runId ?? null }) };
  } catch {
    return { status: 400, json: '{"ok":false,"error":"invalid_json"}' };
  }
}

function listen(server: http.Server): Promise<Floor> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

export function startHttpFloor(secret: string): Promise<Floor> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ok = verifyHmac(secret, req.headers['x-port-timestamp'] as string | undefined, req.headers['x-port-signature'] as string | undefined, body);
      const answer = ok ? accepted(body) : { status: 401, json: '{"ok":false,"error":"invalid_signature"}' };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.json);
    });
  });
  return listen(server);
}

export function startExpressFloor(secret: string): Promise<Floor> {
  const app = express();
  app.post('/webhook', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const ok = verifyHmac(secret, req.get('x-port-timestamp'), req.get('x-port-signature'), body);
    const answer = ok ? accepted(body) : { status: 401, json: '{"ok":false,"error":"invalid_signature"}' };
    res.status(answer.status).type('application/json').send(answer.json);
  });
  return listen(http.createServer(app));
}
