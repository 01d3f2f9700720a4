// The run journal on embedded SQLite (better-sqlite3, synchronous calls: a journal write is done when the
// call returns, so the 202 goes out only after the run is on disk).
//
// Durability: WAL with synchronous=NORMAL. A commit is in the WAL file (the OS page cache) when the call
// returns, so it survives the process crashing or being SIGKILLed; only a power loss or kernel crash may
// roll back the last commits (fsync happens at checkpoints, not per commit: what keeps accept() fast).
import Database from 'better-sqlite3';
import { accessSync, constants as fsConstants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CodedError } from '../errors.js';
import type { FinalStatus } from '../port/types.js';
import { INLINE_CHECKPOINT_PAGES } from './checkpointer.js';
import { decodeInvocation, encodeInvocation } from './invocationJson.js';
import { migrate } from './migrations.js';
import type { JournalSize, OpOutcome, OutboxEntry, OutboxOp, RunRecord, RunState, RunStore } from './store.js';

export type SqliteStoreOptions = { dataDir: string } | { path: ':memory:' };

/** The SQLite journal: the RunStore plus housekeeping only this implementation offers. */
export interface SqliteRunStore extends RunStore {
  /** The database file (':memory:' for an in-memory journal). */
  readonly path: string;
  /** The open database, for journals that live in the same file (the step journal). */
  readonly database: Database.Database;
  transaction<T>(fn: () => T): T;
  /**
   * Deletes delivered (or rejected) ops of finished runs completed before `before` (epoch ms); returns
   * how many. Runs themselves are kept: they are what dedupes a redelivery.
   */
  pruneDelivered(before: number): number;
  /**
   * Drops the payload (invocation, result) of runs finished before `before`, keeping what dedupe and a
   * synchronized redelivery's answer need: id, action, status, label, times. Returns how many runs.
   */
  compactFinished(before: number, now: number): number;
  /** Forgets runs finished before `before` (and their delivered ops); runs with undelivered ops stay. */
  expireFinished(before: number): number;
  /** Gives back up to `maxPages` free pages to the file system (incremental vacuum). */
  reclaim(maxPages?: number): void;
  size(): JournalSize;
}

export const JOURNAL_FILE = 'runs.sqlite';

interface RunRow {
  run_id: string;
  action: string | null;
  invocation: string;
  synchronized: number;
  state: RunState;
  accepted_at: number;
  started_at: number | null;
  finished_at: number | null;
  final_status: FinalStatus | null;
  final_label: string | null;
  result: string | null;
}

interface OpRow {
  seq: number;
  run_id: string;
  op: string;
  attempts: number;
  created_at: number;
}

function toRecord(r: RunRow): RunRecord {
  return {
    runId: r.run_id,
    action: r.action,
    invocation: decodeInvocation(r.invocation),
    synchronized: r.synchronized === 1,
    state: r.state,
    acceptedAt: r.accepted_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    finalStatus: r.final_status,
    finalLabel: r.final_label,
    ...(r.result === null ? {} : { result: JSON.parse(r.result) as unknown }),
  };
}

function toEntry(r: OpRow): OutboxEntry {
  return { seq: r.seq, runId: r.run_id, op: JSON.parse(r.op) as OutboxOp, attempts: r.attempts, createdAt: r.created_at };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function unavailable(file: string, dataDir: string | null, err: unknown): CodedError {
  const where = dataDir === null ? file : `${file} (DATA_DIR=${dataDir})`;
  return new CodedError(
    'journal_unavailable',
    `the run journal at ${where} cannot be used: ${reason(err)}. ` +
      'Check that DATA_DIR names a directory this process can create and write; ' +
      `if the file is corrupt, move ${file} (and its -wal/-shm files) aside or restore a backup, then start again.`,
    { path: file, dataDir },
    { cause: err },
  );
}

function openDatabase(file: string, dataDir: string | null): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
    db = new Database(file);
    db.pragma('busy_timeout = 5000');
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Checkpoints (two fsyncs each) every ~40 MB of WAL instead of every ~4 MB: they dominate write cost.
    // The service moves them off the event loop (checkpointer.ts); this is the journal on its own.
    if (file !== ':memory:') db.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
    // Catches a damaged file at start-up rather than in the middle of a run.
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    migrate(db);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // already failing: the open error is the one worth reporting
    }
    throw unavailable(file, dataDir, err);
  }
}

export function openSqliteStore(opts: SqliteStoreOptions): SqliteRunStore {
  const dataDir = 'dataDir' in opts ? path.resolve(opts.dataDir) : null;
  const file = dataDir === null ? ':memory:' : path.join(dataDir, JOURNAL_FILE);
  const db = openDatabase(file, dataDir);
  // The file we opened must stay the file at DATA_DIR: a deleted or replaced journal would still accept
  // writes (to an unlinked inode) and lose them all at the next start.
  const inode = dataDir === null ? null : statSync(file).ino;
  const fileProblem = (): string | null =>
    inode !== null && statSync(file, { throwIfNoEntry: false })?.ino !== inode ? `${file} was removed or replaced while the service was running` : null;

  const q = {
    accept: db.prepare(
      `INSERT OR IGNORE INTO runs (run_id, action, invocation, synchronized, state, accepted_at) VALUES (?, ?, ?, ?, 'queued', ?)`,
    ),
    get: db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE run_id = ?`),
    state: db.prepare<[string], { state: RunState }>(`SELECT state FROM runs WHERE run_id = ?`),
    started: db.prepare(`UPDATE runs SET state = 'running', started_at = ? WHERE run_id = ? AND state != 'finished'`),
    finished: db.prepare(
      `UPDATE runs SET state = 'finished', finished_at = ?, final_status = ?, final_label = ? WHERE run_id = ? AND state != 'finished'`,
    ),
    list: db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE state = ? ORDER BY accepted_at, rowid`),
    count: db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM runs WHERE state = ?`),
    append: db.prepare(`INSERT INTO outbox (run_id, kind, op, created_at) VALUES (?, ?, ?, ?)`),
    pending: db.prepare<[string], OpRow>(
      `SELECT seq, run_id, op, attempts, created_at FROM outbox WHERE state = 'pending' AND run_id = ? ORDER BY seq`,
    ),
    pendingRuns: db.prepare<[], { run_id: string }>(
      `SELECT run_id FROM outbox WHERE state = 'pending' GROUP BY run_id ORDER BY MIN(seq)`,
    ),
    countPending: db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'`),
    complete: db.prepare(
      `UPDATE outbox SET state = ?, last_error = ?, completed_at = ?, attempts = attempts + 1 WHERE seq = ? AND state = 'pending'`,
    ),
    attempt: db.prepare(`UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?`),
    lastLog: db.prepare<[string], { op: string }>(
      `SELECT op FROM outbox WHERE state IN ('pending', 'done', 'failed') AND run_id = ? AND kind = 'log' ORDER BY seq DESC LIMIT 1`,
    ),
    probe: db.prepare(`SELECT 1 FROM meta LIMIT 1`),
    result: db.prepare(`UPDATE runs SET result = ? WHERE run_id = ?`),
    compact: db.prepare(
      `UPDATE runs SET invocation = json_object('runId', run_id, 'action', action, 'blueprint', NULL, 'inputs', json('{}'), 'entity', NULL, 'trigger', NULL, 'payload', NULL),
         result = NULL, compacted_at = ? WHERE state = 'finished' AND finished_at < ? AND compacted_at IS NULL`,
    ),
    expireOps: db.prepare(
      `DELETE FROM outbox WHERE state != 'pending' AND run_id IN (SELECT run_id FROM runs WHERE state = 'finished' AND finished_at < ?)`,
    ),
    expire: db.prepare(
      `DELETE FROM runs WHERE state = 'finished' AND finished_at < ? AND run_id NOT IN (SELECT run_id FROM outbox WHERE state = 'pending')`,
    ),
    prune: db.prepare(
      `DELETE FROM outbox WHERE state != 'pending' AND completed_at < ? AND run_id IN (SELECT run_id FROM runs WHERE state = 'finished')`,
    ),
  };

  const expireMany = db.transaction((before: number) => {
    q.expireOps.run(before);
    return q.expire.run(before).changes;
  });
  // One wrapper for every store.transaction(fn): db.transaction() builds five functions per call.
  const inTransaction = db.transaction((fn: () => unknown) => fn());
  // Inside one store.transaction (a group commit of many accepts) the file is checked by the first accept
  // only: the whole transaction commits to that file or not at all.
  let transactionDepth = 0;
  let fileChecked = false;
  const completeMany = db.transaction((seqs: number[], outcome: OpOutcome, now: number) => {
    for (const seq of seqs) q.complete.run(outcome.ok ? 'done' : 'failed', outcome.ok ? null : outcome.error, now, seq);
  });

  const store: SqliteRunStore = {
    path: file,
    database: db,
    accept(run, now) {
      // A run accepted into a deleted or replaced journal would be lost at the next start (a stat is ~2 µs).
      if (!fileChecked) {
        const problem = fileProblem();
        if (problem) throw unavailable(file, dataDir, new Error(problem));
        fileChecked = transactionDepth > 0;
      }
      return q.accept.run(run.runId, run.action, encodeInvocation(run.invocation, run.payloadJson), run.synchronized ? 1 : 0, now).changes === 1;
    },
    get(runId) {
      const row = q.get.get(runId);
      return row ? toRecord(row) : undefined;
    },
    stateOf(runId) {
      return q.state.get(runId)?.state;
    },
    markStarted(runId, now) {
      q.started.run(now, runId);
    },
    markFinished(runId, status, label, now) {
      q.finished.run(now, status, label, runId);
    },
    listRuns(state) {
      return q.list.all(state).map(toRecord);
    },
    countRuns(state) {
      return q.count.get(state)?.n ?? 0;
    },
    appendOp(runId, op, now) {
      return Number(q.append.run(runId, op.kind, JSON.stringify(op), now).lastInsertRowid);
    },
    pendingOps(runId) {
      return q.pending.all(runId).map(toEntry);
    },
    runsWithPendingOps() {
      return q.pendingRuns.all().map((r) => r.run_id);
    },
    countPendingOps() {
      return q.countPending.get()?.n ?? 0;
    },
    completeOps(seqs, outcome, now) {
      if (seqs.length > 0) completeMany(seqs, outcome, now);
    },
    noteAttempt(seq, error) {
      q.attempt.run(error, seq);
    },
    lastLog(runId) {
      const row = q.lastLog.get(runId);
      return row ? (JSON.parse(row.op) as { message: string }).message : null;
    },
    transaction(fn) {
      transactionDepth++;
      try {
        return inTransaction(fn) as ReturnType<typeof fn>;
      } finally {
        if (--transactionDepth === 0) fileChecked = false;
      }
    },
    recordResult(runId, result) {
      let json: string | null = null;
      try {
        json = result === undefined ? null : (JSON.stringify(result) ?? null);
      } catch {
        json = null; // no JSON form (a cycle, a BigInt): a redelivery gets the default body
      }
      q.result.run(json, runId);
    },
    pruneDelivered(before) {
      return q.prune.run(before).changes;
    },
    compactFinished(before, now) {
      return q.compact.run(now, before).changes;
    },
    expireFinished(before) {
      return expireMany(before);
    },
    reclaim(maxPages = 1000) {
      db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
    },
    size() {
      const pageSize = Number(db.pragma('page_size', { simple: true }));
      const pages = Number(db.pragma('page_count', { simple: true }));
      const free = Number(db.pragma('freelist_count', { simple: true }));
      return { bytes: pages * pageSize, freeBytes: free * pageSize };
    },
    checkWritable() {
      // Read-only: a readiness probe must not write to the journal it checks.
      try {
        const problem = fileProblem();
        if (problem) throw new Error(problem);
        if (dataDir !== null) accessSync(file, fsConstants.R_OK | fsConstants.W_OK);
        q.probe.get();
      } catch (err) {
        throw unavailable(file, dataDir, err);
      }
    },
    close() {
      if (!db.open) return;
      try {
        db.pragma('optimize');
      } finally {
        db.close();
      }
    },
  };
  return asJournalErrors(store, file, dataDir);
}

/**
 * Every failure of SQLite itself (I/O error, disk full, closed database) leaves the store as a coded
 * `journal_unavailable`, so callers can tell a journal failure from a bug anywhere else. Errors thrown by a
 * transaction's own function pass through unchanged.
 */
function asJournalErrors(store: SqliteRunStore, file: string, dataDir: string | null): SqliteRunStore {
  // By name and message, not only by class: the native addon keeps the SqliteError class of the first module
  // instance that loaded it and throws its TypeError from its own realm (both differ under jest's vm).
  const isSqliteFailure = (err: unknown): boolean => {
    const e = err as { name?: unknown; message?: unknown } | null;
    return err instanceof Database.SqliteError || e?.name === 'SqliteError' || /database connection is not open/.test(String(e?.message));
  };
  const wrapped = { ...store } as Record<string, unknown>;
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') continue;
    wrapped[name] = (...args: unknown[]) => {
      try {
        return (value as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        if (err instanceof CodedError || (name === 'transaction' && !isSqliteFailure(err))) throw err;
        throw unavailable(file, dataDir, err);
      }
    };
  }
  return wrapped as unknown as SqliteRunStore;
}
