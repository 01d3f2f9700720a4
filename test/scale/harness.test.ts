// The scale tests' own tools, checked on their own: a test redis-server that keeps acknowledged writes
// across a SIGKILL, and a balancer that sends nothing to an unready replica and retries a 503 elsewhere.
import { expect, it } from '@jest/globals';
import http from 'node:http';
import { Redis } from 'ioredis';
import { startOwnRedis } from './redis.js';
import { startBalancer } from './balancer.js';

it('when the test redis-server (AOF, appendfsync always) is SIGKILLed and started again, then an acknowledged write is still there', async () => {
  const r = await startOwnRedis();
  const c = new Redis(r.url, { maxRetriesPerRequest: null });
  c.on('error', () => {});
  await c.set('k', 'v');
  await r.kill();
  await r.start();
  expect(await c.get('k')).toBe('v');
  c.disconnect();
  await r.destroy();
});

it('when one replica is unready and another answers 503, then the balancer sends every request to the ready one that accepts'), async () => {
  const mk = (ready: boolean, status: number, name: string) => new Promise<{ url: string; close: () => void; hits: () => number }>((res) => {
    let hits = 0;
    const s = http.createServer((req, resp) => {
      if (req.url === '/readyz') { resp.writeHead(ready ? 200 : 503); resp.end('{}'); return; }
      hits++;
      let b = ''; req.on('data', (d) => (b += d)); req.on('end', () => { resp.writeHead(status, { 'content-type': 'application/json' }); resp.end(JSON.stringify({ name, b })); });
    });
    s.listen(0, '127.0.0.1', () => res({ url: `http://127.0.0.1:${(s.address() as any).port}`, close: () => { s.close(); s.closeAllConnections(); }, hits: () => hits }));
  });
  const a = await mk(true, 503, 'a');
  const b = await mk(true, 202, 'b');
  const u = await mk(false, 202, 'u');
  const lb = await startBalancer();
  lb.add(a.url); lb.add(b.url); lb.add(u.url);
  await lb.waitReady(a.url); await lb.waitReady(b.url);
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${lb.url}/webhook`, { method: 'POST', body: 'x' + i });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ name: 'b', b: 'x' + i });
  }
  expect(u.hits()).toBe(0);
  expect(lb.retried()).toBeGreaterThan(0);
  await lb.close(); a.close(); b.close(); u.close();
});
