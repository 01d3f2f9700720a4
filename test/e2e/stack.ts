// The service and the Port simulator, each on its own loopback port: real HTTP both ways.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '../../src/logger.js';
import { startService, type Service } from '../../src/server.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { signPortWebhook } from '../../src/verify/sign.js';
import Transport from 'winston-transport';

export const CLIENT_ID = 'e2e-client';
export const CLIENT_SECRET = 'e2e-client-secret-0123456789abcdef0123';
export const HANDLERS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'handlers');

/** Keeps every log line in memory (tests assert on them, e.g. that no secret appears). */
export class MemoryTransport extends Transport {
  readonly lines: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(info);
    next();
  }
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}

export interface Stack {
  service: Service;
  simulator: RunningSimulator;
  logs: MemoryTransport;
  dataDir: string;
  /** POSTs `body` to the service, signed unless `headers` override it (null removes a header). */
  post(pathname: string, body: string, headers?: Record<string, string | null>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startStack(env: Record<string, string> = {}, opts: { logger?: Logger } = {}): Promise<Stack> {
  const simulator = await startSimulator({ port: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-journal-'));
  const logs = new MemoryTransport();
  const logger = opts.logger ?? createLogger({ level: 'debug', json: true, transports: [logs] });
  let service: Service;
  try {
    service = await startService({
      env: {
        NODE_ENV: 'test',
        PORT: '0',
        PORT_CLIENT_ID: CLIENT_ID,
        PORT_CLIENT_SECRET: CLIENT_SECRET,
        PORT_API_URL: simulator.url,
        HANDLERS_DIR: HANDLERS,
        DATA_DIR: dataDir,
        SHUTDOWN_GRACE_MS: '500',
        ...env,
      },
      logger,
    });
  } catch (err) {
    await simulator.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    service,
    simulator,
    logs,
    dataDir,
    async post(pathname, body, headers) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const merged: Record<string, string | null> = {
        'content-type': 'application/json',
        'x-port-timestamp': timestamp,
        'x-port-signature': signPortWebhook(CLIENT_SECRET, timestamp, body),
        ...headers,
      };
      const sent = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== null));
      const res = await fetch(`${service.url}${pathname}`, { method: 'POST', body, headers: sent });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed };
    },
    async close() {
      try {
        await service.stop();
      } finally {
        await simulator.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Polls until `check` returns a truthy value (or fails with what it last saw). */
export async function eventually<T>(check: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
