// The scale tests' own tools, checked on their own: a test redis-server that keeps acknowledged writes
// across a SIGKILL, and a balancer that sends nothing to an unready replica and retries a 503 elsewhere.
import { expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { startBalancer } from './balancer.js';
import { startOwnRedis } from './redis.js';

it('when the test redis-server (AOF, appendfsync always) is SIGKILLed and started again, then an acknowledged write is still there', async () => {
  const own = await startOwnRedis();
  const client = new Redis(own.url, { maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  try {
    await client.set('acknowledged', 'yes');
    await own.kill();
    await own.start();
    expect(await client.get('acknowledged')).toBe('yes');
  } finally {
    client.disconnect();
    await own.destroy();
  }
});

interface FakeReplica {
  url: string;
  hits(): number;
  close(): void;
}

/** A replica stand-in: /readyz per `ready`, every other request answered `status` with its name and body. */
function fakeReplica(name: string, ready: boolean, status: number): Promise<FakeReplica> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/readyz') {
      res.writeHead(ready ? 200 : 503).end('{}');
      return;
    }
    hits++;
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ name, body })));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        hits: () => hits,
        close: () => {
          server.close();
          server.closeAllConnections();
        },
      }),
    ),
  );
}

it('when one replica is unready and another answers 503, then the balancer sends every request to the ready one that accepts', async () => {
  const refusing = await fakeReplica('refusing', true, 503);
  const accepting = await fakeReplica('accepting', true, 202);
  const unready = await fakeReplica('unready', false, 202);
  const lb = await startBalancer();
  try {
    for (const r of [refusing, accepting, unready]) lb.add(r.url);
    await lb.waitReady(refusing.url);
    await lb.waitReady(accepting.url);
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${lb.url}/webhook`, { method: 'POST', body: `delivery ${i}` });
      expect({ status: res.status, body: await res.json() }).toEqual({ status: 202, body: { name: 'accepting', body: `delivery ${i}` } });
    }
    expect(unready.hits()).toBe(0);
    expect(refusing.hits()).toBeGreaterThan(0);
    expect(lb.retried()).toBe(refusing.hits());
  } finally {
    await lb.close();
    for (const r of [refusing, accepting, unready]) r.close();
  }
});
