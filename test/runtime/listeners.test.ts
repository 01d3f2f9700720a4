import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Node prints its listener-leak warning on the real process, which a test's sandbox does not see: the runs
// execute in a child process on the built service, which reports the warnings it caught.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(HERE, 'concurrentRuns.child.mjs');

async function concurrentRuns(n: number, mode: 'async' | 'sync') {
  if (!existsSync(path.join(HERE, '../../dist/src/runtime/dispatcher.js'))) throw new Error('run `npm run build` first');
  const { stdout } = await promisify(execFile)(process.execPath, [CHILD, String(n), mode], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { started: number; finished: number; kinds: string[]; warnings: string[] };
}

describe('abort listeners on the shared shutdown signal', () => {
  it.each([16, 500])('when %i async runs execute at once, then all finish and Node emits no warning', async (n) => {
    await expect(concurrentRuns(n, 'async')).resolves.toEqual({ started: n, finished: n, kinds: ['accepted'], warnings: [] });
  }, 60_000);

  it('when 16 synchronized runs execute at once, then all finish and Node emits no warning', async () => {
    await expect(concurrentRuns(16, 'sync')).resolves.toEqual({ started: 16, finished: 16, kinds: ['sync'], warnings: [] });
  }, 60_000);
});
