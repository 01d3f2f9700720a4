// A small HTTP load balancer for the scale tests, on loopback: round robin over the replicas it was given,
// skipping any whose last readiness probe (GET /readyz, every `probeMs`) was not 200, as a Kubernetes
// Service does with its endpoints. A replica refuses with 503 only what it did not accept, so, like an
// ingress configured to retry 503 and connect failures on another endpoint, a request a replica refused
// that way is tried on the next ready replica (a bounded number of times) before the 503 is passed on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  /** Adds a replica (not ready until its first probe answers 200). */
  add(url: string): void;
  remove(url: string): void;
  /** Resolves once the balancer itself has seen `url` ready (so the next requests may go there). */
  waitReady(url: string, timeoutMs?: number): Promise<void>;
  /** Requests passed to another replica after a 503 or a connect failure. */
  retried(): number;
  close(): Promise<void>;
}

interface Backend {
  url: string;
  ready: boolean;
}

const MAX_ATTEMPTS = 6;

export async function startBalancer(opts: { probeMs?: number } = {}): Promise<Balancer> {
  const probeMs = opts.probeMs ?? 100;
  const backends: Backend[] = [];
  let next = 0;
  let retried = 0;

  const probe = async (b: Backend) => {
    try {
      const res = await fetch(`${b.url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      b.ready = res.status === 200;
    } catch {
      b.ready = false;
    }
  };
  let probing = false;
  const timer = setInterval(() => {
    if (probing) return;
    probing = true;
    void Promise.all(backends.map(probe)).finally(() => (probing = false));
  }, probeMs);

  const pick = (exclude: Set<Backend>): Backend | undefined => {
    for (let i = 0; i < backends.length; i++) {
      const b = backends[(next + i) % backends.length];
      if (b.ready && !exclude.has(b)) {
        next = (next + i + 1) % backends.length;
        return b;
      }
    }
    return undefined;
  };

  type Answer = { status: number; headers: http.IncomingHttpHeaders; body: Buffer } | { failed: string };
  const forward = (b: Backend, req: http.IncomingMessage, body: Buffer): Promise<Answer> =>
    new Promise((resolve) => {
      const target = new URL(req.url ?? '/', b.url);
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const out = http.request(target, { method: req.method, headers, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (err) => resolve({ failed: err.message }));
      });
      out.on('timeout', () => out.destroy(new Error('upstream timeout')));
      out.on('error', (err) => resolve({ failed: err.message }));
      out.end(body);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const tried = new Set<Backend>();
      let last: Answer = { failed: 'no ready replica' };
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const b = pick(tried);
        if (!b) break;
        tried.add(b);
        if (attempt > 0) retried++;
        last = await forward(b, req, body);
        // A connect failure before any answer, or a 503, means the replica took nothing: try another.
        if ('failed' in last) {
          b.ready = false;
          continue;
        }
        if (last.status !== 503) break;
      }
      if ('failed' in last) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'bad_gateway', message: last.failed }));
        return;
      }
      const headers = { ...last.headers };
      delete headers['transfer-encoding'];
      delete headers.connection;
      res.writeHead(last.status, headers);
      res.end(last.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    add(url) {
      const b = { url, ready: false };
      backends.push(b);
      void probe(b);
    },
    remove(url) {
      const i = backends.findIndex((b) => b.url === url);
      if (i >= 0) backends.splice(i, 1);
    },
    async waitReady(url, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!backends.find((b) => b.url === url)?.ready) {
        if (Date.now() > deadline) throw new Error(`balancer: ${url} not ready within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    retried: () => retried,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
