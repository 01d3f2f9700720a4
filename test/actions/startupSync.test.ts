import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { syncActionsAtStartup } from '../../src/actions/startupSync.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { PortClient } from '../../src/port/client.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { startSimulator } from '../../src/simulator/index.js';
import { startService } from '../../src/server.js';
import { eventually, MemoryTransport, startStack } from '../e2e/stack.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HANDLERS = path.join(here, 'handlers');

describe('syncing actions at startup', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('when started without credentials, then every handler is synced into the embedded simulator, pointing at this service', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sync-start-'));
    dirs.push(dataDir);
    const service = await startService({ env: { NODE_ENV: 'development', PORT: '0', HANDLERS_DIR: HANDLERS, DATA_DIR: dataDir }, logger: silentLogger() });
    try {
      const res = await fetch(`${service.simulatorUrl}/_sim/actions`);
      const { actions } = (await res.json()) as { actions: Array<{ identifier: string; invocationMethod: { url: string } }> };
      expect(actions.map((a) => a.identifier)).toEqual(['notify_on_update', 'restart_service', 'restart_service_watch']);
      expect(new Set(actions.map((a) => a.invocationMethod.url))).toEqual(new Set([`${service.url}/webhook`]));
    } finally {
      await service.stop();
    }
  });

  it('when SYNC_ACTIONS_ON_START=true with credentials, then the actions are synced into Port with PUBLIC_URL', async () => {
    const stack = await startStack({ HANDLERS_DIR: HANDLERS, SYNC_ACTIONS_ON_START: 'true', PUBLIC_URL: 'https://runner.example.com' });
    try {
      const actions = await eventually(() => {
        const a = stack.simulator.sim.actions();
        return a.length === 3 ? a : undefined;
      }, 5000, 'the startup sync');
      expect(actions.every((a) => a.invocationMethod.url === 'https://runner.example.com/webhook')).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('when the service starts with credentials and no SYNC_ACTIONS_ON_START, then Port\'s actions are left alone', async () => {
    const stack = await startStack({ HANDLERS_DIR: HANDLERS });
    try {
      expect(stack.simulator.sim.requests({ route: '/v1/actions' })).toEqual([]);
      expect(stack.simulator.sim.actions()).toEqual([]);
    } finally {
      await stack.close();
    }
  });

  it('when one handler cannot be expressed, then startup logs it naming the handler and input, and syncs the others', async () => {
    const sim = await startSimulator({ clientId: 'c', clientSecret: 's' });
    const logs = new MemoryTransport();
    const logger = createLogger({ level: 'info', json: true, transports: [logs] });
    const port = new PortClient({ baseUrl: sim.url, credentials: { clientId: 'c', clientSecret: 's' }, logger, budgetMs: 5000 });
    try {
      const run = async () => undefined;
      await syncActionsAtStartup({
        modules: [
          { file: path.join(process.cwd(), 'handlers/when.ts'), handler: defineHandler({ action: 'when', inputs: z.object({ at: z.date() }), run }) },
          { file: path.join(process.cwd(), 'handlers/fine.ts'), handler: defineHandler({ action: 'fine', run }) },
        ],
        port,
        publicUrl: 'http://127.0.0.1:3000',
        logger,
        target: 'the local simulator',
      });
      expect(sim.sim.actions().map((a) => a.identifier)).toEqual(['fine']);
      const errors = logs.lines.filter((l) => l.level === 'error').map((l) => l.message);
      expect(errors).toEqual([expect.stringMatching(/^action definition not synced: handler handlers\/when\.ts: input 'at': no JSON type/)]);
    } finally {
      port.close();
      await sim.close();
    }
  });
});
