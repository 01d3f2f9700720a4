import { afterEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JOURNAL_FILE, openSqliteStore, type SqliteRunStore } from '../../src/journal/sqliteStore.js';
import type { Invocation } from '../../src/normalize/invocation.js';
import { normalizeDelivery } from '../../src/normalize/normalize.js';

const dirs: string[] = [];
const stores: SqliteRunStore[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'));
  dirs.push(dir);
  return dir;
}

function open(dataDir: string): SqliteRunStore {
  const store = openSqliteStore({ dataDir });
  stores.push(store);
  return store;
}

function invocation(runId: string): Invocation {
  return { runId, action: 'deploy', blueprint: null, inputs: { name: 'svc' }, entity: null, trigger: null, payload: { context: { runId } } };
}

function accept(store: SqliteRunStore, runId: string, now = 1000): boolean {
  return store.accept({ runId, action: 'deploy', invocation: invocation(runId), synchronized: false }, now);
}

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('openSqliteStore', () => {
  it('when a run is accepted with its body\'s text, then the row holds that text once and the invocation loads back after a reopen', () => {
    const dir = tempDir();
    const notes = 'n'.repeat(2048);
    const payloadJson = `{"context": {"runId": "r_body"}, "action": "deploy", "payload": {"properties": {"notes": "${notes}"}}}`;
    const invocation = normalizeDelivery({ body: JSON.parse(payloadJson), headers: {} });
    const first = open(dir);
    expect(first.accept({ runId: 'r_body', action: 'deploy', invocation, synchronized: false, payloadJson }, 1)).toBe(true);
    const row = first.database.prepare<[string], { invocation: string }>('SELECT invocation FROM runs WHERE run_id = ?').get('r_body');
    expect(row?.invocation).toContain(payloadJson);
    expect(row?.invocation.split(notes)).toHaveLength(2);
    first.close();

    expect(open(dir).get('r_body')?.invocation).toEqual(invocation);
  });

  it('when a run id is accepted twice, then only the first accept inserts it', () => {
    const store = open(tempDir());
    expect(accept(store, 'r_1')).toBe(true);
    expect(accept(store, 'r_1')).toBe(false);
    expect(store.countRuns('queued')).toBe(1);
  });

  it('when the same file is reopened (a restart), then a redelivered run id is still a duplicate and its record is intact', () => {
    const dir = tempDir();
    const first = open(dir);
    expect(accept(first, 'r_1', 1234)).toBe(true);
    first.close();

    const second = open(dir);
    expect(accept(second, 'r_1')).toBe(false);
    expect(second.get('r_1')).toEqual({
      runId: 'r_1',
      action: 'deploy',
      invocation: invocation('r_1'),
      synchronized: false,
      state: 'queued',
      acceptedAt: 1234,
      startedAt: null,
      finishedAt: null,
      finalStatus: null,
      finalLabel: null,
    });
  });

  it('when DATA_DIR does not exist yet, then it is created with the journal file inside, in WAL mode', () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const store = open(dir);
    expect(store.path).toBe(path.join(dir, JOURNAL_FILE));
    expect(fs.existsSync(store.path)).toBe(true);
    accept(store, 'r_1');
    expect(fs.existsSync(`${store.path}-wal`)).toBe(true);
  });

  it('when the journal file is not a database, then opening fails with journal_unavailable naming DATA_DIR and the file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, JOURNAL_FILE), 'this is not an SQLite database, just some garbage text '.repeat(100));
    let caught: unknown;
    try {
      openSqliteStore({ dataDir: dir });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'journal_unavailable' });
    const message = (caught as Error).message;
    expect(message).toContain(`DATA_DIR=${dir}`);
    expect(message).toContain(path.join(dir, JOURNAL_FILE));
    expect(message).toMatch(/move .* aside/);
    expect(message).not.toMatch(/\n\s+at /);
  });

  it('when DATA_DIR cannot be created (its parent is a regular file), then opening fails with journal_unavailable', () => {
    const parent = path.join(tempDir(), 'a-file');
    fs.writeFileSync(parent, 'x');
    const dataDir = path.join(parent, 'data');
    expect(() => openSqliteStore({ dataDir })).toThrow(expect.objectContaining({ code: 'journal_unavailable', message: expect.stringContaining(`DATA_DIR=${dataDir}`) }));
  });

  it('when runs move through their states, then listRuns and countRuns follow, oldest accepted first', () => {
    const store = openSqliteStore({ path: ':memory:' });
    stores.push(store);
    accept(store, 'r_b', 2000);
    accept(store, 'r_a', 1000);
    accept(store, 'r_c', 3000);
    store.markStarted('r_a', 4000);
    store.markStarted('r_b', 4000);
    store.markFinished('r_b', 'FAILURE', 'boom', 5000);
    store.markFinished('r_b', 'SUCCESS', 'second', 6000); // the first final status stands

    expect(store.listRuns('queued').map((r) => r.runId)).toEqual(['r_c']);
    expect(store.listRuns('running').map((r) => r.runId)).toEqual(['r_a']);
    expect(store.countRuns('finished')).toBe(1);
    expect(store.get('r_b')).toMatchObject({ state: 'finished', startedAt: 4000, finishedAt: 5000, finalStatus: 'FAILURE', finalLabel: 'boom' });
    expect(store.get('r_missing')).toBeUndefined();
  });

  it('when ops are appended and completed, then pending ops, counts and attempts reflect it, in seq order', () => {
    const store = openSqliteStore({ path: ':memory:' });
    stores.push(store);
    const s1 = store.appendOp('r_1', { kind: 'log', message: 'one' }, 10);
    const s2 = store.appendOp('r_2', { kind: 'log', message: 'other run' }, 11);
    const s3 = store.appendOp('r_1', { kind: 'patch', body: { statusLabel: 'x' } }, 12);
    const s4 = store.appendOp('r_1', { kind: 'final', status: 'SUCCESS' }, 13);
    expect(s1).toBeLessThan(s2);
    expect(store.pendingOps('r_1').map((e) => e.seq)).toEqual([s1, s3, s4]);
    expect(store.runsWithPendingOps()).toEqual(['r_1', 'r_2']);
    expect(store.countPendingOps()).toBe(4);

    store.noteAttempt(s1, '503: down');
    expect(store.pendingOps('r_1')[0]).toEqual({ seq: s1, runId: 'r_1', op: { kind: 'log', message: 'one' }, attempts: 1, createdAt: 10 });

    store.completeOps([s1, s3], { ok: true }, 20);
    store.completeOps([s2], { ok: false, error: '400 bad' }, 20);
    expect(store.pendingOps('r_1').map((e) => e.seq)).toEqual([s4]);
    expect(store.runsWithPendingOps()).toEqual(['r_1']);
    expect(store.countPendingOps()).toBe(1);
  });

  it('when a run has logged lines, then lastLog returns the latest one, delivered or not', () => {
    const store = openSqliteStore({ path: ':memory:' });
    stores.push(store);
    expect(store.lastLog('r_1')).toBeNull();
    const s1 = store.appendOp('r_1', { kind: 'log', message: 'step 1' }, 1);
    store.appendOp('r_1', { kind: 'log', message: 'step 2' }, 2);
    store.appendOp('r_1', { kind: 'patch', body: { summary: 's' } }, 3);
    store.completeOps([s1], { ok: true }, 4);
    expect(store.lastLog('r_1')).toBe('step 2');
  });

  it('when the process restarts with ops still pending, then they are pending after reopening, in order', () => {
    const dir = tempDir();
    const first = open(dir);
    first.appendOp('r_1', { kind: 'log', message: 'a' }, 1);
    first.appendOp('r_1', { kind: 'final', status: 'SUCCESS', label: 'done' }, 2);
    first.close();
    const second = open(dir);
    expect(second.pendingOps('r_1').map((e) => e.op)).toEqual([
      { kind: 'log', message: 'a' },
      { kind: 'final', status: 'SUCCESS', label: 'done' },
    ]);
  });

  it('when a transaction throws, then none of its writes are kept', () => {
    const store = openSqliteStore({ path: ':memory:' });
    stores.push(store);
    accept(store, 'r_1');
    expect(() =>
      store.transaction(() => {
        store.markFinished('r_1', 'SUCCESS', null, 5);
        store.appendOp('r_1', { kind: 'final', status: 'SUCCESS' }, 5);
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(store.get('r_1')?.state).toBe('queued');
    expect(store.countPendingOps()).toBe(0);
  });

  it('when delivered ops of finished runs are pruned, then pending ops and unfinished runs keep theirs', () => {
    const store = openSqliteStore({ path: ':memory:' });
    stores.push(store);
    accept(store, 'r_done');
    accept(store, 'r_open');
    const a = store.appendOp('r_done', { kind: 'log', message: 'a' }, 1);
    const b = store.appendOp('r_open', { kind: 'log', message: 'b' }, 1);
    store.appendOp('r_open', { kind: 'log', message: 'c' }, 1);
    store.completeOps([a, b], { ok: true }, 10);
    store.markFinished('r_done', 'SUCCESS', null, 10);
    expect(store.pruneDelivered(11)).toBe(1);
    expect(store.lastLog('r_done')).toBeNull();
    expect(store.lastLog('r_open')).toBe('c');
    expect(store.countPendingOps()).toBe(1);
  });

  it('when the journal is open, then checkWritable passes; once closed, it fails with journal_unavailable', () => {
    const store = openSqliteStore({ dataDir: tempDir() });
    expect(() => store.checkWritable()).not.toThrow();
    store.close();
    expect(() => store.checkWritable()).toThrow(expect.objectContaining({ code: 'journal_unavailable' }));
  });
});
