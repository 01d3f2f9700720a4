// The got instance every Port request goes through: base URL, keep-alive agents, JSON, the project's
// User-Agent, and (through a hook) the Authorization and run-id correlation headers of each attempt.
// got's own retry is off: PortHttp (portHttp.ts) owns retries (see there why).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import got, { type Got } from 'got';

/** Correlation header carrying our run id on every call made for a run (Port ignores unknown headers). */
export const RUN_ID_HEADER = 'x-port-runner-run-id';

/** Per-attempt values the hook turns into headers (got's `context` option). */
export interface AttemptContext {
  runId?: string;
  authorization?: string;
}

export interface PortGot {
  got: Got;
  /** Closes kept-alive sockets (shutdown, tests). */
  close(): void;
}

export function createPortGot(opts: { baseUrl: string; userAgent?: string }): PortGot {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const instance = got.extend({
    prefixUrl: opts.baseUrl,
    agent: agents,
    headers: { 'user-agent': opts.userAgent ?? defaultUserAgent(), accept: 'application/json' },
    responseType: 'json',
    throwHttpErrors: false,
    retry: { limit: 0 },
    hooks: {
      beforeRequest: [
        (options) => {
          const ctx = options.context as AttemptContext;
          // Encoded: a header value must be plain ASCII, whatever a run id turns out to hold.
          if (ctx.runId) options.headers[RUN_ID_HEADER] = encodeURIComponent(ctx.runId).slice(0, 256);
          if (ctx.authorization) options.headers.authorization = ctx.authorization;
        },
      ],
    },
  });
  return {
    got: instance,
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

let cachedUserAgent: string | null = null;

/** `port-action-runner/<version>` from the nearest package.json (src/ or dist/src/ alike). */
export function defaultUserAgent(): string {
  if (cachedUserAgent) return cachedUserAgent;
  let version = '0.0.0';
  for (let up = 1; up <= 4; up++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${'../'.repeat(up)}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'port-action-runner' && pkg.version) {
        version = pkg.version;
        break;
      }
    } catch {
      // not at this level
    }
  }
  cachedUserAgent = `port-action-runner/${version}`;
  return cachedUserAgent;
}
