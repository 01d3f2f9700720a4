import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/server.js';
import { MemoryTransport } from './e2e/stack.js';
import { runToExit, startChild } from './durability/child.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = path.join(ROOT, 'dist/src/server.js');

// Imports the built service module in a fresh process and prints which CommonJS modules it loaded under
// node_modules/ajv (ajv is what the simulator validates Port requests with; nothing else uses it).
const PROBE = `
import { createRequire } from 'node:module';
await import(${JSON.stringify(SERVER)});
const loaded = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify(loaded.filter((k) => k.includes('/node_modules/ajv'))));
`;

describe('server', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('when the service module is loaded (as in production, with credentials), then the simulator and its ajv are not', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('when started without Port credentials, then it loads the embedded simulator and a run delivered through it ends SUCCESS', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'server-sim-'));
    dirs.push(dataDir);
    const logs = new MemoryTransport();
    const service = await startService({
      env: { NODE_ENV: 'development', PORT: '0', HANDLERS_DIR: path.join(ROOT, 'test/e2e/handlers'), DATA_DIR: dataDir },
      logger: createLogger({ level: 'info', json: true, transports: [logs] }),
    });
    try {
      expect(service.simulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${service.simulatorUrl}/_sim/deliver`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${service.url}/webhook`, action: 'create_microservice', inputs: { name: 'svc', region: 'eu' } }),
      });
      const { delivery } = (await res.json()) as { delivery: { runId: string; status: number } };
      expect(delivery.status).toBe(202);
      // The run ends once the outbox has sent the final status: poll the simulator's view of it.
      let run: { status: string } | undefined;
      for (let i = 0; i < 500 && run?.status !== 'SUCCESS'; i++) {
        run = ((await (await fetch(`${service.simulatorUrl}/_sim/runs/${delivery.runId}`)).json()) as { run: typeof run }).run;
        if (run?.status !== 'SUCCESS') await new Promise((r) => setTimeout(r, 20));
      }
      expect(run?.status).toBe('SUCCESS');
    } finally {
      await service.stop();
    }
  });
});

describe('server log format', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** Starts the built service with `env`, stops it with SIGTERM, and returns its output lines. */
  async function linesOf(env: Record<string, string>): Promise<string[]> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'server-logs-'));
    dirs.push(dataDir);
    const child = await startChild({ DATA_DIR: dataDir, ...env });
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    return child.output().trim().split('\n');
  }

  it('when LOG_FORMAT=json outside production, then every line is one JSON object', async () => {
    const lines = await linesOf({ NODE_ENV: 'test', LOG_FORMAT: 'json' });
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.find((l) => String(l.message).startsWith('listening'))).toMatchObject({ level: 'info', message: expect.stringMatching(/^listening on port \d+$/) });
    expect(parsed.at(-1)).toMatchObject({ level: 'info', message: 'shutdown complete' });
  });

  it('when LOG_FORMAT=pretty in production, then lines are readable text, not JSON', async () => {
    const lines = await linesOf({ NODE_ENV: 'production', LOG_FORMAT: 'pretty', PORT_CLIENT_ID: 'id', PORT_CLIENT_SECRET: 'a-client-secret', PORT_API_URL: 'http://127.0.0.1:9' });
    expect(lines.find((l) => l.includes('listening'))).toMatch(/^\d{4}-\d\d-\d\dT\S+Z info  listening on port \d+ /);
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(lines.at(-1)).toMatch(/ info  shutdown complete$/);
  });
});

describe('server startup configuration', () => {
  it('when NODE_ENV=prod, then the process exits 78 with one line naming NODE_ENV, instead of running the simulator', async () => {
    const { code, output } = await runToExit({ NODE_ENV: 'prod', DATA_DIR: path.join(os.tmpdir(), 'never-created-by-a-refused-start') });
    expect({ code, output }).toEqual({
      code: 78,
      output: 'port-action-runner: configuration error: NODE_ENV is invalid: must be one of production, development, test (got "prod")\n',
    });
  });
});
