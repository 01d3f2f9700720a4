// The store contract every backend implements (SQLite for one instance, Redis for N replicas): every call
// is async, and the steps that must happen together are single calls the store makes atomic (accept,
// claim, recordFinal), rather than an optional transaction hook.
//
// Ownership: a run is executed by whoever claimed it last (`claim` returns a fence token's verdict); an
// owner that lost the run (another worker claimed it after its lock expired) is fenced: its appends and
// its final status are refused with `run_fenced`. A run's outbox is delivered by whoever holds its outbox
// lease, so a dead replica's owed reports are taken over once the lease expires.
import type { FinalStatus } from '../port/types.js';
import type { NewRun, OpOutcome, OutboxEntry, OutboxOp, RunRecord, RunState } from './store.js';

export type { NewRun, OpOutcome, OutboxEntry, OutboxOp, RunRecord, RunState };


/** What claiming a run found: it was waiting (started now), its last owner died, or it is over. */
export type ClaimVerdict = 'started' | 'interrupted' | 'finished' | 'missing';

/** Identifies the owner of a run's execution (or of its outbox lane); null where one process owns all. */
export type Fence = string | null;

export interface AsyncRunStore {
  /**
   * Journals a new run, atomically with the duplicate check: 'accepted', 'duplicate' (this run id is
   * known, also from another replica and after its job is gone), or 'full' (`maxQueued` runs waiting;
   * 0: no bound). Resolves once the run is durable. With `startAs`, the run is journaled already running
   * (as `claim` would start it) and owned by that fence, in the same atomic step; it is then not counted
   * as waiting, but the bound still applies to its acceptance.
   */
  accept(run: NewRun, now: number, maxQueued: number, startAs?: Fence): Promise<'accepted' | 'duplicate' | 'full'>;
  get(runId: string): Promise<RunRecord | undefined>;
  stateOf(runId: string): Promise<RunState | undefined>;
  /** Takes over a run for execution under `fence` (queued → running; running → running, new owner). */
  claim(runId: string, fence: Fence, now: number): Promise<ClaimVerdict>;
  /** How many times the run was claimed while already running (its owner died). */
  interruptions(runId: string): Promise<number>;
  /**
   * Records the decided final status and, unless null, journals its delivery, together or not at all;
   * false when the run already had one (the first stands). Rejects `run_fenced` for a stale owner.
   */
  recordFinal(runId: string, final: { status: FinalStatus; label: string | null }, op: OutboxOp | null, now: number, fence: Fence): Promise<boolean>;
  /** Journals what a synchronized run returned, so a redelivery to any replica is answered the same way. */
  recordResult(runId: string, result: unknown): Promise<void>;
  /** Runs in a state, oldest accepted first. */
  listRuns(state: Exclude<RunState, 'finished'>): Promise<RunRecord[]>;
  countRuns(state: Exclude<RunState, 'finished'>): Promise<number>;

  /** Appends a report to the run's outbox; returns its sequence number. Rejects `run_fenced`. */
  appendOp(runId: string, op: OutboxOp, now: number, fence: Fence): Promise<number>;
  pendingOps(runId: string): Promise<OutboxEntry[]>;
  runsWithPendingOps(): Promise<string[]>;
  countPendingOps(): Promise<number>;
  completeOps(runId: string, seqs: number[], outcome: OpOutcome, now: number): Promise<void>;
  noteAttempt(runId: string, seq: number, error: string): Promise<void>;
  lastLog(runId: string): Promise<string | null>;
  /** Takes or renews the right to deliver the run's outbox for `ttlMs`; false while another holds it. */
  leaseOutbox(runId: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseOutbox(runId: string, holder: string): Promise<void>;

  /** Throws unless the store can take writes now (readiness; no write of its own). */
  check(): Promise<void>;
  close(): Promise<void>;
}
