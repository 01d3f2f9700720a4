// The async store contract over the synchronous SQLite journal, for one instance. Every call is one
// synchronous step of the event loop (one SQLite transaction where it writes twice), so accept's duplicate
// check, queue bound and insert, or a final status and its delivery, can never be separated. Ownership
// and outbox leases live in memory: one process owns the journal file, and a restart starts with no
// owner (runs left "running" are claimed as interrupted).
import { CodedError } from '../errors.js';
import type { AsyncRunStore, ClaimVerdict, Fence } from './asyncStore.js';
import type { RunStore } from './store.js';

export interface SqliteAsyncStoreOptions {
  store: RunStore;
  /** Clock for the outbox leases' expiry; default Date.now. */
  now?: () => number;
}

export function sqliteAsyncStore(opts: SqliteAsyncStoreOptions): AsyncRunStore {
  const { store } = opts;
  const now = opts.now ?? Date.now;
  const owners = new Map<string, string>();
  const interruptions = new Map<string, number>();
  const leases = new Map<string, { holder: string; until: number }>();

  const atomically = <T>(fn: () => T): T => (store.transaction ? store.transaction(fn) : fn());

  /** A null (or empty) fence writes for a run nobody executes (recovery); any other must be the run's last claimant. */
  function checkFence(runId: string, fence: Fence): void {
    if (fence === null || fence === '') return;
    if (owners.get(runId) !== fence) {
      throw new CodedError('run_fenced', `run ${runId} was taken over by another worker: this one no longer reports for it`, { runId });
    }
  }

  return {
    async accept(run, at, maxQueued, startAs) {
      if (store.stateOf(run.runId) !== undefined) return 'duplicate';
      if (maxQueued > 0 && store.countRuns('queued') >= maxQueued) return 'full';
      if (startAs === undefined) return store.accept(run, at) ? 'accepted' : 'duplicate';
      const accepted = atomically(() => {
        if (!store.accept(run, at)) return false;
        store.markStarted(run.runId, at);
        return true;
      });
      if (!accepted) return 'duplicate';
      owners.set(run.runId, startAs ?? '');
      return 'accepted';
    },
    async get(runId) {
      return store.get(runId);
    },
    async stateOf(runId) {
      return store.stateOf(runId);
    },
    async claim(runId, fence, at): Promise<ClaimVerdict> {
      const state = store.stateOf(runId);
      if (state === undefined) return 'missing';
      if (state === 'finished') return 'finished';
      let verdict: ClaimVerdict = 'started';
      if (state === 'running') {
        verdict = 'interrupted';
        interruptions.set(runId, (interruptions.get(runId) ?? 0) + 1);
      } else {
        store.markStarted(runId, at);
      }
      owners.set(runId, fence ?? '');
      return verdict;
    },
    async interruptions(runId) {
      return interruptions.get(runId) ?? 0;
    },
    async recordFinal(runId, final, op, at, fence) {
      const recorded = atomically(() => {
        if (store.stateOf(runId) === 'finished') return false;
        checkFence(runId, fence);
        store.markFinished(runId, final.status, final.label, at);
        if (op !== null) store.appendOp(runId, op, at);
        return true;
      });
      if (recorded) {
        owners.delete(runId);
        interruptions.delete(runId);
      }
      return recorded;
    },
    async recordResult(runId, result) {
      store.recordResult(runId, result);
    },
    async listRuns(state) {
      return store.listRuns(state);
    },
    async countRuns(state) {
      return store.countRuns(state);
    },
    async appendOp(runId, op, at, fence) {
      checkFence(runId, fence);
      return store.appendOp(runId, op, at);
    },
    async pendingOps(runId) {
      return store.pendingOps(runId);
    },
    async runsWithPendingOps() {
      return store.runsWithPendingOps();
    },
    async countPendingOps() {
      return store.countPendingOps();
    },
    async completeOps(_runId, seqs, outcome, at) {
      store.completeOps(seqs, outcome, at);
    },
    async noteAttempt(_runId, seq, error) {
      store.noteAttempt(seq, error);
    },
    async lastLog(runId) {
      return store.lastLog(runId);
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
      store.close();
    },
  };
}
