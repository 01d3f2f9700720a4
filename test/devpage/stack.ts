// The service as `npm start` runs it without credentials (embedded simulator with the local run page),
// in-process on free ports, with this folder's handlers.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logger.js';
import { startService, type Service } from '../../src/server.js';

export const HANDLERS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'handlers');

export interface DevStack {
  service: Service;
  /** The simulator (and page) base URL. */
  page: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startDevStack(): Promise<DevStack> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'devpage-'));
  const service = await startService({
    env: { NODE_ENV: 'test', PORT: '0', SIMULATOR_PORT: '0', HANDLERS_DIR: HANDLERS, DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: '500' },
    logger: silentLogger(),
  });
  const page = service.simulatorUrl!;
  return {
    service,
    page,
    env: { PORT: String(service.listenPort), SIMULATOR_PORT: new URL(page).port },
    async close() {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function simJson(page: string, pathname: string, body?: unknown): Promise<any> {
  const res = await fetch(`${page}${pathname}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}
