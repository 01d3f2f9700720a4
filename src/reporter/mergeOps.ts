// Turns the head of a run's pending ops into the next single request to Port. Merging only saves calls and
// never changes what Port ends up showing: consecutive run PATCHes merge (later keys win, as Port
// overwrites keys anyway); a final status rides on the PATCH or the log line right before it. Log lines
// never merge with each other (Port must show each line, in order) and entity writes never merge.
import type { OutboxEntry, OutboxOp } from '../journal/store.js';
import type { RunLogBody, RunPatch } from '../port/types.js';

export type EntityOp = Extract<OutboxOp, { kind: `entity.${string}` }>;

export type PortCall =
  | { kind: 'patch'; body: RunPatch }
  | { kind: 'log'; body: RunLogBody }
  | { kind: 'entity'; op: EntityOp };

export interface Batch {
  /** The journaled ops this one request delivers, in order. */
  seqs: number[];
  call: PortCall;
  /** Carries the run's final status (generous budget; 409/422 means already finished). */
  final: boolean;
}

/**
 * The next request for a run. `mergeAfter`: ops with a seq at or below it are sent one per request (used
 * after a merged request was refused, so each op gets Port's own answer).
 */
export function nextBatch(entries: readonly OutboxEntry[], mergeAfter = 0): Batch | null {
  const head = entries[0];
  if (!head) return null;
  const mergeable = (e: OutboxEntry | undefined): e is OutboxEntry => e !== undefined && e.seq > mergeAfter;
  const single = !mergeable(head);

  switch (head.op.kind) {
    case 'log': {
      const body: RunLogBody = { message: head.op.message };
      const next = entries[1];
      if (!single && mergeable(next) && next.op.kind === 'final') {
        body.terminationStatus = next.op.status;
        if (next.op.label !== undefined) body.statusLabel = next.op.label;
        return { seqs: [head.seq, next.seq], call: { kind: 'log', body }, final: true };
      }
      return { seqs: [head.seq], call: { kind: 'log', body }, final: false };
    }
    case 'patch':
    case 'final': {
      const seqs: number[] = [];
      const body: RunPatch = {};
      let final = false;
      for (const e of entries) {
        if (seqs.length > 0 && (single || !mergeable(e))) break;
        if (e.op.kind === 'patch') {
          Object.assign(body, e.op.body);
        } else if (e.op.kind === 'final') {
          body.status = e.op.status;
          if (e.op.label !== undefined) body.statusLabel = e.op.label;
          final = true;
        } else {
          break;
        }
        seqs.push(e.seq);
        if (final) break; // nothing goes after the final status
      }
      return { seqs, call: { kind: 'patch', body }, final };
    }
    default:
      return { seqs: [head.seq], call: { kind: 'entity', op: head.op }, final: false };
  }
}
