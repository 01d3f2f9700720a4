import { describe, expect, it } from '@jest/globals';
import type { OutboxEntry, OutboxOp } from '../../src/journal/store.js';
import { nextBatch, type Batch } from '../../src/reporter/mergeOps.js';

const entries = (...ops: OutboxOp[]): OutboxEntry[] => ops.map((op, i) => ({ seq: i + 1, runId: 'r', op, attempts: 0, createdAt: 0 }));

/** Every request a lane would send for these ops, assuming each is delivered. */
function plan(list: OutboxEntry[], mergeAfter = 0): Batch[] {
  const out: Batch[] = [];
  let rest = list;
  for (let b = nextBatch(rest, mergeAfter); b; b = nextBatch(rest, mergeAfter)) {
    out.push(b);
    const done = new Set(b.seqs);
    rest = rest.filter((e) => !done.has(e.seq));
  }
  return out;
}

const entity: OutboxOp = { kind: 'entity.create', blueprint: 'svc', entity: { identifier: 'a' }, query: { upsert: true, runId: 'r' } };

describe('nextBatch', () => {
  it('when nothing is pending, then there is no batch', () => {
    expect(nextBatch([])).toBeNull();
  });

  it('when an entity write sits between patches, then nothing merges across it and the final rides on the last patch', () => {
    const batches = plan(
      entries(
        { kind: 'patch', body: { statusLabel: 'a' } },
        entity,
        { kind: 'patch', body: { summary: 's' } },
        { kind: 'final', status: 'SUCCESS' },
      ),
    );
    expect(batches).toEqual([
      { seqs: [1], call: { kind: 'patch', body: { statusLabel: 'a' } }, final: false },
      { seqs: [2], call: { kind: 'entity', op: entity }, final: false },
      { seqs: [3, 4], call: { kind: 'patch', body: { summary: 's', status: 'SUCCESS' } }, final: true },
    ]);
  });

  it('when a log follows patches, then the log is its own request and the patches merge before it', () => {
    const batches = plan(entries({ kind: 'patch', body: { link: ['1'] } }, { kind: 'patch', body: { link: ['1', '2'] } }, { kind: 'log', message: 'm' }));
    expect(batches.map((b) => b.call)).toEqual([
      { kind: 'patch', body: { link: ['1', '2'] } },
      { kind: 'log', body: { message: 'm' } },
    ]);
  });

  it('when ops are at or below mergeAfter, then each goes alone even where it could merge', () => {
    const list = entries({ kind: 'patch', body: { statusLabel: 'a' } }, { kind: 'log', message: 'm' }, { kind: 'final', status: 'FAILURE', label: 'x' });
    expect(plan(list, 3).map((b) => b.seqs)).toEqual([[1], [2], [3]]);
    expect(plan(list, 0).map((b) => b.seqs)).toEqual([[1], [2, 3]]);
  });
});
