import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SCHEMA_VERSION } from '../../src/journal/migrations.js';
import { JOURNAL_FILE, openSqliteStore, type SqliteRunStore } from '../../src/journal/sqliteStore.js';

const dirs: string[] = [];
const stores: SqliteRunStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-migrate-'));
  dirs.push(dir);
  return dir;
}
function open(dataDir: string): SqliteRunStore {
  const s = openSqliteStore({ dataDir });
  stores.push(s);
  return s;
}

/** A journal exactly as version 1 of the service wrote it (no auto_vacuum, schema_version 1). */
function writeV1File(dir: string): void {
  const db = new Database(path.join(dir, JOURNAL_FILE));
  db.exec(`
    CREATE TABLE runs (run_id TEXT PRIMARY KEY, action TEXT, invocation TEXT NOT NULL, synchronized INTEGER NOT NULL, state TEXT NOT NULL,
      accepted_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, final_status TEXT, final_label TEXT);
    CREATE INDEX runs_by_state ON runs (state, accepted_at);
    CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, kind TEXT NOT NULL, op TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at INTEGER NOT NULL, completed_at INTEGER);
    CREATE INDEX outbox_by_state ON outbox (state, run_id, seq);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta VALUES ('schema_version', '1');
  `);
  const inv = JSON.stringify({ runId: 'r_old', action: 'deploy', blueprint: null, inputs: { a: 1 }, entity: null, trigger: null, payload: {} });
  db.prepare(`INSERT INTO runs VALUES ('r_old', 'deploy', ?, 1, 'finished', 1, 2, 3, 'SUCCESS', 'ok')`).run(inv);
  db.prepare(`INSERT INTO outbox (run_id, kind, op, created_at) VALUES ('r_old', 'log', '{"kind":"log","message":"hi"}', 1)`).run();
  db.close();
}

function inspect(dir: string): { version: string; autoVacuum: number; columns: string[] } {
  const db = new Database(path.join(dir, JOURNAL_FILE), { readonly: true });
  try {
    return {
      version: (db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string }).value,
      autoVacuum: Number(db.pragma('auto_vacuum', { simple: true })),
      columns: (db.prepare(`PRAGMA table_info(runs)`).all() as Array<{ name: string }>).map((c) => c.name),
    };
  } finally {
    db.close();
  }
}

describe('journal schema migrations', () => {
  it('when a version-1 journal is opened, then it is migrated to the current schema with incremental auto-vacuum, and its runs and reports are intact', () => {
    const dir = tempDir();
    writeV1File(dir);
    const store = open(dir);
    expect(store.get('r_old')).toMatchObject({ runId: 'r_old', state: 'finished', finalStatus: 'SUCCESS', invocation: { inputs: { a: 1 } } });
    expect(store.pendingOps('r_old').map((e) => e.op)).toEqual([{ kind: 'log', message: 'hi' }]);
    store.recordResult('r_old', { url: 'x' });
    expect(store.get('r_old')?.result).toEqual({ url: 'x' });
    store.close();
    expect(inspect(dir)).toMatchObject({ version: String(SCHEMA_VERSION), autoVacuum: 2 });
    expect(inspect(dir).columns).toEqual(expect.arrayContaining(['result', 'compacted_at']));
  });

  it('when a new journal is created, then it starts at the current schema version with incremental auto-vacuum', () => {
    const dir = tempDir();
    open(dir).close();
    expect(inspect(dir)).toMatchObject({ version: String(SCHEMA_VERSION), autoVacuum: 2 });
  });

  it('when a migrated journal is opened again, then nothing is migrated twice and its data stays', () => {
    const dir = tempDir();
    writeV1File(dir);
    open(dir).close();
    const again = open(dir);
    expect(again.get('r_old')?.finalLabel).toBe('ok');
  });

  it('when the journal was written by a newer version, then opening it fails with journal_unavailable naming the versions', () => {
    const dir = tempDir();
    open(dir).close();
    const db = new Database(path.join(dir, JOURNAL_FILE));
    db.prepare(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`).run();
    db.close();
    expect(() => open(dir)).toThrow(expect.objectContaining({ code: 'journal_unavailable', message: expect.stringContaining('schema 99') }));
  });
});
