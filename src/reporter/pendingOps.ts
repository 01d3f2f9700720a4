// The outbox's in-memory view of the store: each run's undelivered ops (so a lane does not re-read them
// before every request) and its action (so every log line can name it). The store stays the durable copy;
// a run this process has not seen yet is read from it once.
//
// The store is asynchronous (Redis answers over the network), so every call that touches one run's view
// goes through that run's chain, one after the other: a load can never miss an append made meanwhile, nor
// bring back an op just completed, and a handler's reports are journaled in the order it made them.
import type { AsyncRunStore, Fence, OpOutcome, OutboxEntry, OutboxOp } from '../journal/asyncStore.js';
import type { FinalStatus } from '../port/types.js';

export class PendingOps {
  private readonly byRun = new Map<string, OutboxEntry[]>();
  private readonly actions = new Map<string, string>();
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly store: AsyncRunStore) {}

  /** Runs `fn` after every earlier call on the run's view has settled. */
  private serial<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    const before = this.chains.get(runId);
    const next = before ? before.then(fn, fn) : fn();
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(runId, settled);
    void settled.then(() => {
      if (this.chains.get(runId) === settled) this.chains.delete(runId);
    });
    return next;
  }

  private async loaded(runId: string): Promise<OutboxEntry[]> {
    let entries = this.byRun.get(runId);
    if (entries === undefined) {
      entries = await this.store.pendingOps(runId);
      if (entries.length > 0) this.byRun.set(runId, entries);
    }
    return entries;
  }

  private mirror(runId: string, entry: OutboxEntry): void {
    const known = this.byRun.get(runId);
    if (known) {
      if (!known.some((e) => e.seq === entry.seq)) known.push(entry);
    } else {
      this.byRun.set(runId, [entry]);
    }
  }

  /** The run's undelivered ops, in sequence order (read from the store the first time). */
  of(runId: string): Promise<OutboxEntry[]> {
    const known = this.byRun.get(runId);
    if (known !== undefined && !this.chains.has(runId)) return Promise.resolve(known);
    return this.serial(runId, () => this.loaded(runId));
  }

  /** True while calls on the run's view are still under way. */
  busy(runId: string): boolean {
    return this.chains.has(runId);
  }

  /** Resolves once every call made so far on the run's view has settled. */
  idle(runId: string): Promise<void> {
    return (this.chains.get(runId) ?? Promise.resolve()).then(() => undefined);
  }

  /** What the view holds now, without reading the store (empty for a run not loaded). */
  peek(runId: string): OutboxEntry[] {
    return this.byRun.get(runId) ?? [];
  }

  /** Journals an op under the run's owner `fence` and mirrors it; resolves with its sequence number. */
  append(runId: string, op: OutboxOp, createdAt: number, fence: Fence, action?: string, onSeq?: (seq: number) => void): Promise<number> {
    if (action) this.actions.set(runId, action);
    return this.serial(runId, async () => {
      // Anything journaled before (another process, another replica) goes first: load it before appending.
      await this.loaded(runId);
      const seq = await this.store.appendOp(runId, op, createdAt, fence);
      onSeq?.(seq);
      this.mirror(runId, { seq, runId, op, attempts: 0, createdAt });
      return seq;
    });
  }

  /**
   * Records the final status and, unless null, journals its delivery, in the run's order; false when the
   * run already had one (the first stands).
   */
  recordFinal(runId: string, final: { status: FinalStatus; label: string | null }, op: OutboxOp | null, now: number, fence: Fence, action?: string): Promise<boolean> {
    if (action) this.actions.set(runId, action);
    return this.serial(runId, async () => {
      await this.loaded(runId);
      const recorded = await this.store.recordFinal(runId, final, op, now, fence);
      // The final op's seq is the store's: read it back rather than guess it.
      if (recorded && op !== null) this.byRun.delete(runId);
      return recorded;
    });
  }

  /** Records ops as delivered (or refused for good) in the store, then drops them from the view. */
  complete(runId: string, seqs: number[], outcome: OpOutcome, now: number): Promise<void> {
    return this.serial(runId, async () => {
      await this.store.completeOps(runId, seqs, outcome, now);
      const left = (this.byRun.get(runId) ?? []).filter((e) => !seqs.includes(e.seq));
      if (left.length > 0) this.byRun.set(runId, left);
      else this.byRun.delete(runId);
    });
  }

  /**
   * Forgets the view of a run (another replica delivered it meanwhile): the next read loads it again. In
   * the run's chain like every other call: dropped under an append in flight, the append would start a
   * view of its own op alone and the ops before it would go out after it.
   */
  drop(runId: string): Promise<void> {
    return this.serial(runId, async () => {
      this.byRun.delete(runId);
    });
  }

  /** The action of a run: as the reporter named it, or as journaled (a run resumed after a restart). */
  async actionOf(runId: string): Promise<string | undefined> {
    let action = this.actions.get(runId);
    if (action === undefined) {
      action = (await this.store.get(runId))?.action ?? undefined;
      if (action) this.actions.set(runId, action);
    }
    return action;
  }

  /** The action if already known, without reading the store (for paths where the store failed). */
  knownActionOf(runId: string): string | undefined {
    return this.actions.get(runId);
  }

  /** The run is quiet: forget its action (its ops, if any, are still in the view and the store). */
  forget(runId: string): void {
    this.actions.delete(runId);
  }
}
