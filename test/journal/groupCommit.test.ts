// Group commit of the SQLite async store: the writes of one event-loop turn share one transaction, each
// call settles after that commit, and a batch that cannot commit journals none of its calls.
import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AsyncRunStore } from '../../src/journal/asyncStore.js';
import { sqliteAsyncStore, type CommitMode } from '../../src/journal/sqliteAsyncStore.js';
import { JOURNAL_FILE, openSqliteStore, type SqliteRunStore } from '../../src/journal/sqliteStore.js';
import type { Invocation } from '../../src/normalize/invocation.js';

const dirs: string[] = [];
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function invocation(runId: string): Invocation {
  return { runId, action: 'deploy', blueprint: null, inputs: { name: 'svc' }, entity: null, trigger: null, payload: { context: { runId } } };
}
const newRun = (runId: string) => ({ runId, action: 'deploy', invocation: invocation(runId), synchronized: false });

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'group-commit-'));
  dirs.push(dir);
  return dir;
}

function openSync(dataDir: string): SqliteRunStore {
  const store = openSqliteStore({ dataDir });
  cleanups.push(() => store.close());
  return store;
}

/** The async store over a journal in `dataDir`, counting the transactions it commits (outermost only). */
function openCounted(dataDir: string, commit?: CommitMode): { store: AsyncRunStore; sync: SqliteRunStore; commits: () => number } {
  const sync = openSync(dataDir);
  let commits = 0;
  const counted: SqliteRunStore = {
    ...sync,
    transaction: (fn) => {
      const outermost = !sync.database.inTransaction;
      const result = sync.transaction(fn);
      if (outermost) commits++;
      return result;
    },
  };
  return { store: sqliteAsyncStore({ store: counted, ...(commit ? { commit } : {}) }), sync, commits: () => commits };
}

/** A second, independent connection on the journal file: sees only what was committed. */
function reader(dataDir: string): Database.Database {
  const db = new Database(path.join(dataDir, JOURNAL_FILE), { readonly: true });
  cleanups.push(() => db.close());
  return db;
}

const committedRuns = (db: Database.Database): string[] =>
  (db.prepare('SELECT run_id FROM runs ORDER BY rowid').all() as { run_id: string }[]).map((r) => r.run_id);

describe('group commit (SQLite async store)', () => {
  it('when 20 accepts are made in one turn, then they commit in one transaction and each resolves only after it', async () => {
    const dir = tempDir();
    const { store, commits } = openCounted(dir);
    const db = reader(dir);
    const ids = Array.from({ length: 20 }, (_, i) => `r_${i}`);
    const seenAtResolve: number[] = [];
    const answers = ids.map((id) => store.accept(newRun(id), 1000, 0).then((answer) => (seenAtResolve.push(committedRuns(db).length), answer)));
    expect(committedRuns(db)).toEqual([]); // nothing is on disk before the turn ends
    expect(await Promise.all(answers)).toEqual(ids.map(() => 'accepted'));
    expect(commits()).toBe(1);
    expect(seenAtResolve).toEqual(ids.map(() => 20));
    expect(committedRuns(db)).toEqual(ids);
  });

  it('when the commit is per write, then the same 20 accepts take 20 transactions (the baseline group commit saves)', async () => {
    const { store, commits } = openCounted(tempDir(), 'each');
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.accept(newRun(`r_${i}`), 1000, 0)));
    expect(commits()).toBe(20);
  });

  it('when a run id is accepted twice in one batch, then the second is a duplicate and the run is journaled once', async () => {
    const dir = tempDir();
    const { store, sync, commits } = openCounted(dir);
    const answers = await Promise.all([store.accept(newRun('r_1'), 1, 0), store.accept(newRun('r_1'), 2, 0), store.accept(newRun('r_2'), 3, 0)]);
    expect(answers).toEqual(['accepted', 'duplicate', 'accepted']);
    expect(commits()).toBe(1);
    expect(sync.get('r_1')?.acceptedAt).toBe(1);
    expect(committedRuns(reader(dir))).toEqual(['r_1', 'r_2']);
  });

  it('when a batch crosses MAX_QUEUED_RUNS, then its earlier accepts count and the rest are full, unjournaled', async () => {
    const dir = tempDir();
    const { store, commits } = openCounted(dir);
    await store.accept(newRun('r_old'), 1, 4);
    const answers = await Promise.all([
      store.accept(newRun('r_1'), 2, 4),
      store.accept(newRun('r_sync'), 2, 4, 'w1'), // started at once: not waiting
      store.accept(newRun('r_2'), 2, 4),
      store.accept(newRun('r_3'), 2, 4),
      store.accept(newRun('r_4'), 2, 4),
      store.accept(newRun('r_old'), 2, 4), // known: a duplicate, not full
    ]);
    expect(answers).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'full', 'duplicate']);
    expect(commits()).toBe(2);
    expect(await store.countRuns('queued')).toBe(4);
    expect(await store.stateOf('r_sync')).toBe('running');
    expect(committedRuns(reader(dir)).sort()).toEqual(['r_1', 'r_2', 'r_3', 'r_old', 'r_sync']);
  });

  it('when a run is claimed inside a batch, then later bounded accepts of the batch count it as no longer waiting', async () => {
    const { store } = openCounted(tempDir());
    await Promise.all([store.accept(newRun('r_1'), 1, 0), store.accept(newRun('r_2'), 1, 0)]);
    const [first, claimed, second, third] = await Promise.all([
      store.accept(newRun('r_3'), 2, 3),
      store.claim('r_1', 'w', 2),
      store.accept(newRun('r_4'), 2, 3),
      store.accept(newRun('r_5'), 2, 3),
    ]);
    expect([first, claimed, second, third]).toEqual(['accepted', 'started', 'accepted', 'full']);
  });

  // A commit that fails at COMMIT itself (a deferred constraint) and an insert that fails mid-batch.
  const poisons = {
    'the commit fails': `CREATE TABLE poison (run_id TEXT REFERENCES runs (run_id) DEFERRABLE INITIALLY DEFERRED);
       CREATE TRIGGER poison_r_3 AFTER INSERT ON runs WHEN NEW.run_id = 'r_3' BEGIN INSERT INTO poison VALUES ('no_such_run'); END;`,
    'one insert fails': `CREATE TRIGGER poison_r_3 BEFORE INSERT ON runs WHEN NEW.run_id = 'r_3' BEGIN SELECT RAISE(ABORT, 'disk says no'); END;`,
  };
  it.each(Object.entries(poisons))('when %s, then every call of the batch rejects journal_unavailable and none is journaled', async (_, ddl) => {
    const dir = tempDir();
    const { store, sync } = openCounted(dir);
    sync.database.exec(ddl);
    await store.accept(newRun('r_0'), 1, 0);
    await store.accept(newRun('r_f'), 1, 0);
    await store.claim('r_f', 'wf', 1);
    const success = { status: 'SUCCESS', label: null } as const;
    const batch = [
      store.accept(newRun('r_1'), 2, 0),
      store.claim('r_0', 'w1', 2),
      store.recordFinal('r_f', success, { kind: 'final', status: 'SUCCESS' }, 2, 'wf'),
      store.accept(newRun('r_2'), 2, 0),
      store.accept(newRun('r_3'), 2, 0),
      store.accept(newRun('r_4'), 2, 0),
    ];
    const settled = await Promise.allSettled(batch);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'journal_unavailable' });
    }
    expect(committedRuns(reader(dir))).toEqual(['r_0', 'r_f']);
    expect(await store.stateOf('r_0')).toBe('queued');
    expect(await store.stateOf('r_f')).toBe('running');
    // The owners went with their batch: w1 never owned r_0, and wf still owns r_f and can finish it.
    await expect(store.appendOp('r_0', { kind: 'log', message: 'x' }, 3, 'w1')).rejects.toMatchObject({ code: 'run_fenced' });
    expect(await store.claim('r_0', 'w2', 3)).toBe('started');
    expect(await store.recordFinal('r_f', success, { kind: 'final', status: 'SUCCESS' }, 3, 'wf')).toBe(true);
    // The store goes on: the next batch commits.
    expect(await Promise.all([store.accept(newRun('r_1'), 5, 0), store.accept(newRun('r_2'), 5, 0)])).toEqual(['accepted', 'accepted']);
  });

  it('when the database is closed under a waiting batch, then its accepts reject journal_unavailable', async () => {
    const dir = tempDir();
    const { store, sync } = openCounted(dir);
    const batch = [store.accept(newRun('r_1'), 1, 0), store.accept(newRun('r_2'), 1, 0)];
    sync.database.close();
    for (const p of batch) await expect(p).rejects.toMatchObject({ code: 'journal_unavailable' });
    expect(committedRuns(reader(dir))).toEqual([]);
  });

  it('when the journal file is replaced while a batch waits, then the whole batch is refused', async () => {
    const dir = tempDir();
    const { store } = openCounted(dir);
    await store.accept(newRun('r_0'), 1, 0);
    const batch = [store.accept(newRun('r_1'), 2, 0), store.accept(newRun('r_2'), 2, 0)];
    fs.renameSync(path.join(dir, JOURNAL_FILE), path.join(dir, 'moved-aside.sqlite'));
    for (const p of batch) await expect(p).rejects.toMatchObject({ code: 'journal_unavailable' });
  });

  it('when an accept has resolved, then the run is in the file for a process that opens it afresh (no close, as after a crash)', async () => {
    const dir = tempDir();
    const { store } = openCounted(dir);
    expect(await store.accept(newRun('r_1'), 1000, 0)).toBe('accepted');
    const reopened = openSync(dir); // the first handle is never closed: nothing flushes at exit
    expect(reopened.get('r_1')).toMatchObject({ runId: 'r_1', state: 'queued', acceptedAt: 1000, invocation: invocation('r_1') });
  });

  it('when a fenced append shares a batch, then it is refused alone and the rest commits in call order', async () => {
    const { store, commits } = openCounted(tempDir());
    await store.accept(newRun('r_1'), 1, 0);
    await store.claim('r_1', 'w1', 2);
    const before = commits();
    const [one, fenced, two] = await Promise.allSettled([
      store.appendOp('r_1', { kind: 'log', message: 'one' }, 3, 'w1'),
      store.appendOp('r_1', { kind: 'log', message: 'stale' }, 3, 'w0'),
      store.appendOp('r_1', { kind: 'log', message: 'two' }, 3, 'w1'),
    ]);
    expect(commits() - before).toBe(1);
    expect(fenced).toMatchObject({ status: 'rejected', reason: { code: 'run_fenced' } });
    expect(one.status === 'fulfilled' && two.status === 'fulfilled' && two.value > one.value).toBe(true);
    expect((await store.pendingOps('r_1')).map((e) => (e.op.kind === 'log' ? e.op.message : e.op.kind))).toEqual(['one', 'two']);
  });

  it('when reads are made while writes wait, then they see those writes, in call order', async () => {
    const { store, commits } = openCounted(tempDir());
    const [accepted, state, claimed, running, final, pending] = await Promise.all([
      store.accept(newRun('r_1'), 1, 0),
      store.stateOf('r_1'),
      store.claim('r_1', 'w', 2),
      store.countRuns('running'),
      store.recordFinal('r_1', { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, 3, 'w'),
      store.pendingOps('r_1'),
    ]);
    expect([accepted, state, claimed, running, final]).toEqual(['accepted', 'queued', 'started', 1, true]);
    expect(pending.map((e) => e.op.kind)).toEqual(['final']);
    expect(commits()).toBe(1);
  });

  it('when flush() is called with writes waiting, then they are committed before it returns', async () => {
    const dir = tempDir();
    const sync = openSync(dir);
    const store = sqliteAsyncStore({ store: sync });
    const accepted = store.accept(newRun('r_1'), 1, 0);
    store.flush();
    expect(committedRuns(reader(dir))).toEqual(['r_1']);
    expect(await accepted).toBe('accepted');
  });

  it('when the store is closed with writes waiting, then they commit first and resolve', async () => {
    const dir = tempDir();
    const { store } = openCounted(dir);
    const accepted = store.accept(newRun('r_1'), 1, 0);
    await store.close();
    expect(await accepted).toBe('accepted');
    expect(committedRuns(reader(dir))).toEqual(['r_1']);
  });
});
