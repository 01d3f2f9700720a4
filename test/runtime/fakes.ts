// In-memory stand-ins for the runtime's collaborators: a RunStore and a ManagedRunReporter that record
// what the runtime did, so tests can assert on it without the journal or Port.
import type { OpOutcome, OutboxEntry, OutboxOp, RunRecord, RunState, RunStore } from '../../src/journal/store.js';
import type { Invocation } from '../../src/normalize/invocation.js';
import type { EntityInput, FinalStatus, PortEntity } from '../../src/port/types.js';
import type { ManagedRunReporter, Outcome } from '../../src/reporter/types.js';
import { CodedError } from '../../src/errors.js';

export function invocation(runId: string, over: Partial<Invocation> = {}): Invocation {
  return { runId, action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {}, ...over };
}

export class FakeStore implements RunStore {
  readonly runs = new Map<string, RunRecord>();
  readonly ops: OutboxEntry[] = [];
  private seq = 0;

  accept(run: { runId: string; action: string | null; invocation: Invocation; synchronized: boolean }, now: number): boolean {
    if (this.runs.has(run.runId)) return false;
    this.runs.set(run.runId, {
      ...run,
      state: 'queued',
      acceptedAt: now,
      startedAt: null,
      finishedAt: null,
      finalStatus: null,
      finalLabel: null,
    });
    return true;
  }
  get(runId: string) {
    return this.runs.get(runId);
  }
  stateOf(runId: string) {
    return this.runs.get(runId)?.state;
  }
  markStarted(runId: string, now: number) {
    const r = this.runs.get(runId)!;
    r.state = 'running';
    r.startedAt = now;
  }
  markFinished(runId: string, status: FinalStatus, label: string | null, now: number) {
    const r = this.runs.get(runId)!;
    Object.assign(r, { state: 'finished', finishedAt: now, finalStatus: status, finalLabel: label });
  }
  recordResult(runId: string, result: unknown) {
    const r = this.runs.get(runId);
    if (r) r.result = result;
  }
  listRuns(state: RunState) {
    return [...this.runs.values()].filter((r) => r.state === state).sort((a, b) => a.acceptedAt - b.acceptedAt);
  }
  countRuns(state: RunState) {
    return this.listRuns(state).length;
  }
  appendOp(runId: string, op: OutboxOp, now: number) {
    this.seq += 1;
    this.ops.push({ seq: this.seq, runId, op, attempts: 0, createdAt: now });
    return this.seq;
  }
  pendingOps(runId: string) {
    return this.ops.filter((o) => o.runId === runId);
  }
  runsWithPendingOps() {
    return [...new Set(this.ops.map((o) => o.runId))];
  }
  countPendingOps() {
    return this.ops.length;
  }
  completeOps(_seqs: number[], _outcome: OpOutcome, _now: number) {}
  noteAttempt(_seq: number, _error: string) {}
  lastLog(runId: string) {
    const logs = this.ops.filter((o) => o.runId === runId && o.op.kind === 'log');
    const last = logs[logs.length - 1];
    return last && last.op.kind === 'log' ? last.op.message : null;
  }
  checkWritable() {}
  close() {}
}

/** Records every call; the first final status wins, later ones are no-ops (as the real reporter). */
export class FakeReporter implements ManagedRunReporter {
  readonly logs: string[] = [];
  readonly labels: string[] = [];
  readonly links: string[] = [];
  readonly entities: Array<{ blueprint: string; entity: EntityInput }> = [];
  /** Every final status decided (more than one would be a bug). */
  readonly finals: Outcome[] = [];
  /** Calls made after the final status (dropped). */
  dropped = 0;
  drainedCalls = 0;
  finished = false;
  status: FinalStatus | null = null;
  statusLabel: string | null = null;
  pendingEntityWrites = 0;

  constructor(
    readonly runId: string,
    readonly synchronized = false,
    /** Like the real reporter, journal the final status as it is decided. */
    private readonly store?: Pick<RunStore, 'markFinished'>,
  ) {}

  private live(): boolean {
    if (this.finished) this.dropped += 1;
    return !this.finished;
  }
  async log(message: string) {
    if (this.live()) this.logs.push(message);
  }
  async setStatusLabel(label: string) {
    if (this.live()) this.labels.push(label);
  }
  async addLink(url: string) {
    if (this.live()) this.links.push(url);
  }
  async setSummary() {
    this.live();
  }
  async setExternalRunId() {
    this.live();
  }
  async upsertEntity(blueprint: string, entity: EntityInput): Promise<PortEntity> {
    if (!this.live()) throw new CodedError('run_finished', 'run is finished');
    this.entities.push({ blueprint, entity });
    return { ...entity, blueprint } as PortEntity;
  }
  async updateEntity(blueprint: string, identifier: string): Promise<PortEntity> {
    return { identifier, blueprint };
  }
  async replaceEntity(blueprint: string, identifier: string): Promise<PortEntity> {
    return { identifier, blueprint };
  }
  async deleteEntity() {}
  async success(label?: string) {
    await this.finalizeIfOpen({ status: 'SUCCESS', label });
  }
  async failure(label?: string) {
    await this.finalizeIfOpen({ status: 'FAILURE', label });
  }
  async finalizeIfOpen(outcome: Outcome) {
    if (this.finished) return false;
    this.finished = true;
    this.status = outcome.status;
    this.statusLabel = outcome.label ?? null;
    this.finals.push(outcome);
    this.store?.markFinished(this.runId, outcome.status, outcome.label ?? null, Date.now());
    return true;
  }
  async drained() {
    this.drainedCalls += 1;
  }
}

/** A reporter factory that keeps every reporter it made, by run id. */
export function reporterFactory(store?: Pick<RunStore, 'markFinished'>) {
  const made = new Map<string, FakeReporter>();
  const all: FakeReporter[] = [];
  const factory = (run: { runId: string; action: string; synchronized: boolean }) => {
    const r = new FakeReporter(run.runId, run.synchronized, store);
    made.set(run.runId, r);
    all.push(r);
    return r;
  };
  return { factory, made, all };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `cond` holds (fails the test after `ms`). */
export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await tick(2);
  }
}

/** A promise with its resolve exposed (to hold a handler until the test lets it go). */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
