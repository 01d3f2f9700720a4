import { afterEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INLINE_CHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from '../../src/journal/checkpointer.js';
import { openSqliteStore, type SqliteRunStore } from '../../src/journal/sqliteStore.js';
import { createLogger } from '../../src/logger.js';
import { memoryLogger } from '../reporter/memoryLogger.js';

const dirs: string[] = [];
const stores: SqliteRunStore[] = [];
const checkpointers: Checkpointer[] = [];

afterEach(async () => {
  for (const c of checkpointers.splice(0)) await c.stop();
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function open(): SqliteRunStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-'));
  dirs.push(dir);
  const store = openSqliteStore({ dataDir: dir });
  stores.push(store);
  return store;
}

/** ~2 MB of runs, each in its own commit: WAL frames only, far below the journal's own checkpoint threshold. */
function write(store: SqliteRunStore, prefix: string): void {
  const notes = 'n'.repeat(2000);
  for (let i = 0; i < 1000; i++) {
    const runId = `${prefix}${i}`;
    const invocation = { runId, action: 'deploy', blueprint: null, inputs: { notes }, entity: null, trigger: null, payload: null };
    store.accept({ runId, action: 'deploy', invocation, synchronized: false }, i);
  }
}

const fileBytes = (store: SqliteRunStore) => fs.statSync(store.path).size;
const autocheckpoint = (store: SqliteRunStore) => Number(store.database.pragma('wal_autocheckpoint', { simple: true }));

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('startCheckpointer', () => {
  it('when runs are written, then the worker copies the WAL into the database file, not the writer', async () => {
    const store = open();
    const logger = createLogger({ level: 'error' });
    const before = fileBytes(store);
    const checkpointer = startCheckpointer({ database: store.database, file: store.path, logger, intervalMs: 50 });
    checkpointers.push(checkpointer);
    expect(autocheckpoint(store)).toBeGreaterThan(INLINE_CHECKPOINT_PAGES);

    write(store, 'r_a');
    // The writer's own threshold is far off: only the worker can have grown the file.
    expect(await until(() => fileBytes(store) > before + 2_000_000)).toBe(true);

    await checkpointer.stop();
    expect(autocheckpoint(store)).toBe(INLINE_CHECKPOINT_PAGES);
    expect(store.countRuns('queued')).toBe(1000);
  });

  it('when no checkpointer runs, then the same writes stay in the WAL (what the first case rules out)', async () => {
    const store = open();
    store.database.pragma('wal_autocheckpoint = 100000');
    const before = fileBytes(store);
    write(store, 'r_b');
    expect(await until(() => fileBytes(store) > before + 2_000_000, 500)).toBe(false);
    expect(fs.statSync(`${store.path}-wal`).size).toBeGreaterThan(2_000_000);
  });

  it('when it is stopped, then the journal closes as the last connection and the WAL is gone', async () => {
    const store = open();
    const checkpointer = startCheckpointer({ database: store.database, file: store.path, logger: createLogger({ level: 'error' }), intervalMs: 50 });
    write(store, 'r_c');
    await checkpointer.stop();
    await checkpointer.stop(); // twice is harmless
    store.close();
    expect(fs.existsSync(`${store.path}-wal`)).toBe(false);
    const reopened = openSqliteStore({ dataDir: path.dirname(store.path) });
    stores.push(reopened);
    expect(reopened.countRuns('queued')).toBe(1000);
  });

  it('when the worker cannot open the journal, then it says so and the writer checkpoints itself again', async () => {
    const store = open();
    const logs = memoryLogger();
    const missing = path.join(path.dirname(store.path), 'gone.sqlite');
    const checkpointer = startCheckpointer({ database: store.database, file: missing, logger: logs.logger, intervalMs: 50 });
    checkpointers.push(checkpointer);
    expect(await until(() => autocheckpoint(store) === INLINE_CHECKPOINT_PAGES)).toBe(true);
    expect(logs.lines.map((l) => l.message)).toEqual([expect.stringMatching(/^the journal checkpoint worker stopped: .*; the journal checkpoints itself again$/)]);
    expect(logs.lines[0]).toMatchObject({ level: 'warn', file: missing });
  });
});
