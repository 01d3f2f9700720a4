// The outbox's in-memory view of the journal: each run's undelivered ops (so a lane does not re-read and
// re-parse them from SQLite before every request) and its action (so every log line can name it). The
// journal stays the durable copy; a run this process has not seen yet is read from it once.
import type { OpOutcome, OutboxEntry, OutboxOp, RunStore } from '../journal/store.js';

export class PendingOps {
  private readonly byRun = new Map<string, OutboxEntry[]>();
  private readonly actions = new Map<string, string>();

  constructor(private readonly store: RunStore) {}

  /** The run's undelivered ops, in sequence order. */
  of(runId: string): OutboxEntry[] {
    let entries = this.byRun.get(runId);
    if (entries === undefined) {
      entries = this.store.pendingOps(runId);
      if (entries.length > 0) this.byRun.set(runId, entries);
    }
    return entries;
  }

  /** Journals an op and mirrors it; returns its sequence number. */
  append(runId: string, op: OutboxOp, createdAt: number, action?: string): number {
    if (action) this.actions.set(runId, action);
    const known = this.byRun.get(runId);
    const seq = this.store.appendOp(runId, op, createdAt);
    if (known) known.push({ seq, runId, op, attempts: 0, createdAt });
    else this.of(runId); // the first op seen for this run: load it with anything journaled before
    return seq;
  }

  /** Records ops as delivered (or refused for good) in the journal, then drops them from the view. */
  complete(runId: string, seqs: number[], outcome: OpOutcome, now: number): void {
    this.store.completeOps(seqs, outcome, now);
    const left = (this.byRun.get(runId) ?? []).filter((e) => !seqs.includes(e.seq));
    if (left.length > 0) this.byRun.set(runId, left);
    else this.byRun.delete(runId);
  }

  /** The action of a run: as the reporter named it, or as journaled (a run resumed after a restart). */
  actionOf(runId: string): string | undefined {
    let action = this.actions.get(runId);
    if (action === undefined) {
      action = this.store.get(runId)?.action ?? undefined;
      if (action) this.actions.set(runId, action);
    }
    return action;
  }

  /** The action if already known, without reading the journal (for paths where the journal failed). */
  knownActionOf(runId: string): string | undefined {
    return this.actions.get(runId);
  }

  /** The run is quiet: forget its action (its ops, if any, are still in the view and the journal). */
  forget(runId: string): void {
    this.actions.delete(runId);
  }
}
