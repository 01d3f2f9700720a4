// A tiny scriptable HTTP server on 127.0.0.1 for the Port client's tests: records every request and answers
// from a script. The token route answers a fresh token unless a test replaces it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  /** Raw path as sent (encoding kept). */
  rawPath: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Drop the connection without an answer (a network error for the client). */
  destroy?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

export type Responder = (req: Recorded) => Reply | Promise<Reply>;

export interface TestServer {
  url: string;
  requests: Recorded[];
  /** Requests other than the token request. */
  apiRequests(): Recorded[];
  tokenRequests(): Recorded[];
  setHandler(fn: Responder): void;
  setTokenHandler(fn: Responder): void;
  close(): Promise<void>;
}

export const TOKEN_PATH = '/v1/auth/access_token';

/** Replies in order; the last one repeats. */
export function sequence(...replies: Reply[]): Responder {
  let i = 0;
  return () => replies[Math.min(i++, replies.length - 1)];
}

export async function startTestServer(): Promise<TestServer> {
  let tokens = 0;
  let handler: Responder = () => ({ status: 200, body: { ok: true } });
  let tokenHandler: Responder = () => ({ status: 200, body: { ok: true, accessToken: `token-${++tokens}-abcdef`, expiresIn: 3600, tokenType: 'Bearer' } });
  const requests: Recorded[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = undefined;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = text;
        }
        const rec: Recorded = {
          method: req.method ?? '',
          path: decodeURIComponent(url.pathname),
          rawPath: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body,
        };
        requests.push(rec);
        const reply = await (url.pathname === TOKEN_PATH ? tokenHandler : handler)(rec);
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (reply.destroy) {
          req.socket.destroy();
          return;
        }
        const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json', 'x-trace-id': `trace-${requests.length}`, ...reply.headers });
        res.end(payload);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    apiRequests: () => requests.filter((r) => r.path !== TOKEN_PATH),
    tokenRequests: () => requests.filter((r) => r.path === TOKEN_PATH),
    setHandler: (fn) => {
      handler = fn;
    },
    setTokenHandler: (fn) => {
      tokenHandler = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
