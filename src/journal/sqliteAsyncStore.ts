// The async store contract over the synchronous SQLite journal, for one instance, with group commit.
//
// Every write (accept, claim, a final status, an outbox append or completion) joins a queue; the queue is
// executed in call order as ONE SQLite transaction once per event-loop turn (setImmediate: after every
// I/O callback of the turn, so the deliveries that arrived together share one WAL commit), and each
// call's promise settles only after that transaction committed. A delivery's 202 therefore still goes out
// only once its run is on disk, but a turn of N deliveries pays one commit instead of N. A commit that
// fails rejects every call of its batch with `journal_unavailable` and journals none of them.
//
// Inside the batch each call keeps its own semantics: accept's duplicate check, queue bound and insert
// see the earlier calls of the same batch, and a call that is refused on its own (a fenced owner) is
// refused alone. A read made while writes are queued joins the queue behind them, so every call sees the
// effects of the calls made before it; with nothing queued a read runs at once.
//
// Ownership and outbox leases live in memory: one process owns the journal file, and a restart starts
// with no owner (runs left "running" are claimed as interrupted). Owner changes made inside a batch are
// undone when the batch does not commit.
import { CodedError, isCodedError } from '../errors.js';
import type { AsyncRunStore, ClaimVerdict, Fence } from './asyncStore.js';
import type { RunStore, RunState } from './store.js';

/**
 * When writes commit: 'turn' (default) one transaction for every write called before the next
 * setImmediate; 'microtask' one for the writes of the current microtask checkpoint (smaller batches:
 * every I/O callback ends one); 'each' every write its own transaction, at the call (the store without
 * group commit, kept for the benchmark and as a fallback).
 */
export type CommitMode = 'turn' | 'microtask' | 'each';

export interface SqliteAsyncStoreOptions {
  store: RunStore;
  /** Clock for the outbox leases' expiry; default Date.now. */
  now?: () => number;
  commit?: CommitMode;
}

interface Queued {
  exec: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  failed: boolean;
  outcome: unknown;
}

export interface SqliteAsyncRunStore extends AsyncRunStore {
  /**
   * Executes and commits the queued calls now (their promises settle as usual): for code that writes to
   * the same file synchronously (the step journal) and must come after them without awaiting them.
   */
  flush(): void;
}

export function sqliteAsyncStore(opts: SqliteAsyncStoreOptions): SqliteAsyncRunStore {
  const { store } = opts;
  const now = opts.now ?? Date.now;
  // Without transactions a batch could not commit as one: every write commits on its own.
  const mode: CommitMode = store.transaction ? (opts.commit ?? 'turn') : 'each';
  const owners = new Map<string, string>();
  const interruptions = new Map<string, number>();
  const leases = new Map<string, { holder: string; until: number }>();

  const atomically = <T>(fn: () => T): T => (store.transaction ? store.transaction(fn) : fn());

  let queue: Queued[] = [];
  let scheduled = false;
  /** Undo steps for the in-memory changes of the batch being executed (null outside a flush). */
  let undo: (() => void)[] | null = null;
  /** Queued runs as of the batch's last accept, so N bounded accepts count once (undefined: count again). */
  let queuedCount: number | undefined;

  const schedule: (fn: () => void) => void = mode === 'microtask' ? queueMicrotask : (fn) => void setImmediate(fn);

  function submit<T>(exec: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue.push({ exec, resolve: resolve as (value: unknown) => void, reject, failed: false, outcome: undefined });
      if (mode === 'each') flush();
      else if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    });
  }

  /** A read: at once when nothing is queued, else behind the queued writes (it must see them). */
  function read<T>(exec: () => T): Promise<T> {
    if (queue.length > 0) return submit(exec);
    try {
      return Promise.resolve(exec());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  function flush(): void {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    const steps: (() => void)[] = [];
    undo = steps;
    queuedCount = undefined;
    try {
      atomically(() => {
        for (const item of batch) {
          try {
            item.outcome = item.exec();
          } catch (err) {
            // The journal itself failed: the transaction may be gone, so nothing of the batch stands.
            if (isCodedError(err, 'journal_unavailable')) throw err;
            item.failed = true;
            item.outcome = err;
          }
        }
      });
    } catch (err) {
      for (let i = steps.length - 1; i >= 0; i--) steps[i]();
      for (const item of batch) item.reject(err);
      return;
    } finally {
      undo = null;
    }
    for (const item of batch) {
      if (item.failed) item.reject(item.outcome);
      else item.resolve(item.outcome);
    }
  }

  /** Sets (or with undefined, deletes) a map entry, undone if the batch does not commit. */
  function change<V>(map: Map<string, V>, key: string, value: V | undefined): void {
    if (undo !== null) {
      const had = map.has(key);
      const prev = map.get(key);
      undo.push(() => (had ? map.set(key, prev as V) : map.delete(key)));
    }
    if (value === undefined) map.delete(key);
    else map.set(key, value);
  }

  /** A null (or empty) fence writes for a run nobody executes (recovery); any other must be the run's last claimant. */
  function checkFence(runId: string, fence: Fence): void {
    if (fence === null || fence === '') return;
    if (owners.get(runId) !== fence) {
      throw new CodedError('run_fenced', `run ${runId} was taken over by another worker: this one no longer reports for it`, { runId });
    }
  }

  const queuedChanged = (): void => {
    queuedCount = undefined;
  };

  return {
    flush,
    accept(run, at, maxQueued, startAs) {
      return submit((): 'accepted' | 'duplicate' | 'full' => {
        if (maxQueued > 0) {
          queuedCount ??= store.countRuns('queued');
          // A known run id is a duplicate even when the queue is full.
          if (queuedCount >= maxQueued) return store.stateOf(run.runId) !== undefined ? 'duplicate' : 'full';
        }
        if (!store.accept(run, at)) return 'duplicate';
        if (startAs !== undefined) {
          store.markStarted(run.runId, at);
          change(owners, run.runId, startAs ?? '');
        } else if (queuedCount !== undefined) {
          queuedCount++;
        }
        return 'accepted';
      });
    },
    get(runId) {
      return read(() => store.get(runId));
    },
    stateOf(runId) {
      return read((): RunState | undefined => store.stateOf(runId));
    },
    claim(runId, fence, at) {
      return submit((): ClaimVerdict => {
        const state = store.stateOf(runId);
        if (state === undefined) return 'missing';
        if (state === 'finished') return 'finished';
        // The same owner again: a claim resent (its first answer was lost), not an interruption.
        if (state === 'running' && fence && owners.get(runId) === fence) return 'started';
        let verdict: ClaimVerdict = 'started';
        if (state === 'running') {
          verdict = 'interrupted';
          change(interruptions, runId, (interruptions.get(runId) ?? 0) + 1);
        } else {
          store.markStarted(runId, at);
          queuedChanged();
        }
        change(owners, runId, fence ?? '');
        return verdict;
      });
    },
    interruptions(runId) {
      return read(() => interruptions.get(runId) ?? 0);
    },
    recordFinal(runId, final, op, at, fence) {
      return submit(() => {
        // Its own savepoint inside the batch: a status without its delivery can never commit.
        const recorded = atomically(() => {
          if (store.stateOf(runId) === 'finished') return false;
          checkFence(runId, fence);
          store.markFinished(runId, final.status, final.label, at);
          if (op !== null) store.appendOp(runId, op, at);
          return true;
        });
        if (recorded) {
          queuedChanged();
          change(owners, runId, undefined);
          change(interruptions, runId, undefined);
        }
        return recorded;
      });
    },
    recordResult(runId, result) {
      return submit(() => store.recordResult(runId, result));
    },
    listRuns(state) {
      return read(() => store.listRuns(state));
    },
    countRuns(state) {
      return read(() => store.countRuns(state));
    },
    appendOp(runId, op, at, fence) {
      return submit(() => {
        checkFence(runId, fence);
        return store.appendOp(runId, op, at);
      });
    },
    pendingOps(runId) {
      return read(() => store.pendingOps(runId));
    },
    runsWithPendingOps() {
      return read(() => store.runsWithPendingOps());
    },
    countPendingOps() {
      return read(() => store.countPendingOps());
    },
    completeOps(_runId, seqs, outcome, at) {
      return submit(() => store.completeOps(seqs, outcome, at));
    },
    noteAttempt(_runId, seq, error) {
      return submit(() => store.noteAttempt(seq, error));
    },
    lastLog(runId) {
      return read(() => store.lastLog(runId));
    },
    async leaseOutbox(runId, holder, ttlMs) {
      const held = leases.get(runId);
      const t = now();
      if (held && held.holder !== holder && held.until > t) return false;
      leases.set(runId, { holder, until: t + Math.max(1, Math.round(ttlMs)) });
      return true;
    },
    async releaseOutbox(runId, holder) {
      if (leases.get(runId)?.holder === holder) leases.delete(runId);
    },
    async check() {
      store.checkWritable();
    },
    async close() {
      // What was called before close commits (or fails) first: no call is left unanswered.
      flush();
      store.close();
    },
  };
}
