// The run journal: what was accepted, what is running, what is finished, and every report still owed to
// Port (the outbox). SQLite implements it (sqliteStore.ts); a Redis one can follow behind this interface
// without touching ingress, handlers or the reporter.
import type { Invocation } from '../normalize/invocation.js';
import type { CreateEntityOptions, DeleteEntityOptions, EntityInput, EntityWriteOptions, FinalStatus, RunPatch } from '../port/types.js';

export type RunState = 'queued' | 'running' | 'finished';

export interface RunRecord {
  runId: string;
  action: string | null;
  invocation: Invocation;
  synchronized: boolean;
  state: RunState;
  acceptedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  finalStatus: FinalStatus | null;
  finalLabel: string | null;
  /** What a synchronized run's handler returned (its 200 body), when journaled. */
  result?: unknown;
}

export interface JournalSize {
  /** The file's size. */
  bytes: number;
  /** Of which free pages, not yet given back to the file system. */
  freeBytes: number;
}

/**
 * One report owed to Port, in the order the handler made it. `callId` names the handler call that made it
 * (resumable runs), so a resumed execution knows it was already reported.
 */
export type OutboxOp = { callId?: string } & (
  | { kind: 'log'; message: string }
  | { kind: 'patch'; body: RunPatch }
  | { kind: 'final'; status: FinalStatus; label?: string }
  | { kind: 'entity.create'; blueprint: string; entity: EntityInput; query: CreateEntityOptions }
  | { kind: 'entity.replace'; blueprint: string; identifier: string; entity: EntityInput; query: EntityWriteOptions }
  | { kind: 'entity.update'; blueprint: string; identifier: string; entity: Partial<EntityInput>; query: EntityWriteOptions }
  | { kind: 'entity.delete'; blueprint: string; identifier: string; query: DeleteEntityOptions }
  | { kind: 'entity.bulk'; blueprint: string; entities: EntityInput[]; query: CreateEntityOptions }
);

export interface OutboxEntry {
  seq: number;
  runId: string;
  op: OutboxOp;
  attempts: number;
  createdAt: number;
}

export type OpOutcome = { ok: true } | { ok: false; error: string };

export interface NewRun {
  runId: string;
  action: string | null;
  invocation: Invocation;
  synchronized: boolean;
  /** The JSON text the invocation's payload was parsed from: stored as it is instead of serialised again. */
  payloadJson?: string;
}

export interface RunStore {
  /** Journals a new run; false when the run id was already accepted (a duplicate). */
  accept(run: NewRun, now: number): boolean;
  get(runId: string): RunRecord | undefined;
  /** The run's state without reading its invocation (the hot path's duplicate check). */
  stateOf(runId: string): RunState | undefined;
  markStarted(runId: string, now: number): void;
  /** Records the decided final status (its delivery is an outbox op). */
  markFinished(runId: string, status: FinalStatus, label: string | null, now: number): void;
  /** Journals what a synchronized run returned, so a redelivery is answered the same way. */
  recordResult(runId: string, result: unknown): void;
  /** Runs in a state, oldest accepted first. */
  listRuns(state: RunState): RunRecord[];
  countRuns(state: RunState): number;

  /** Appends a report to the run's outbox; returns its sequence number. */
  appendOp(runId: string, op: OutboxOp, now: number): number;
  /** Undelivered ops of a run, in sequence order. */
  pendingOps(runId: string): OutboxEntry[];
  /** Run ids with undelivered ops (for recovery). */
  runsWithPendingOps(): string[];
  countPendingOps(): number;
  /** Delivered (or rejected for good, with Port's error): never sent again. */
  completeOps(seqs: number[], outcome: OpOutcome, now: number): void;
  noteAttempt(seq: number, error: string): void;
  /** The last log message journaled for a run (recovery's "last progress"). */
  lastLog(runId: string): string | null;

  /**
   * Runs `fn` atomically when the store supports it (SQLite does): the reporter records the final status
   * and journals its delivery together, so a crash can never leave one without the other.
   */
  transaction?<T>(fn: () => T): T;

  /**
   * Throws a `journal_unavailable` CodedError unless the journal looks usable (readiness): without writing.
   * Every method throws that same coded error when the journal itself fails.
   */
  checkWritable(): void;
  close(): void;
}
