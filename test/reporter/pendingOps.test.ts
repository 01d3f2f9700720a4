import { describe, expect, it } from '@jest/globals';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { PendingOps } from '../../src/reporter/pendingOps.js';

const invocation = { runId: 'r_1', action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} };

describe('PendingOps', () => {
  it('when ops were journaled before this process (a restart), then the view loads them once and appends after them in order', () => {
    const store = openSqliteStore({ path: ':memory:' });
    store.accept({ runId: 'r_1', action: 'deploy', invocation, synchronized: false }, 1);
    const before = store.appendOp('r_1', { kind: 'log', message: 'from the last process' }, 1);
    const view = new PendingOps(store);

    const seq = view.append('r_1', { kind: 'log', message: 'now' }, 2);
    expect(view.of('r_1').map((e) => e.seq)).toEqual([before, seq]);
    expect(view.actionOf('r_1')).toBe('deploy'); // read from the journal
    store.close();
  });

  it('when ops are completed, then they leave the view and the journal both', () => {
    const store = openSqliteStore({ path: ':memory:' });
    const view = new PendingOps(store);
    const a = view.append('r_1', { kind: 'log', message: 'a' }, 1, 'deploy');
    const b = view.append('r_1', { kind: 'log', message: 'b' }, 1);
    view.complete('r_1', [a], { ok: true }, 2);
    expect(view.of('r_1').map((e) => e.seq)).toEqual([b]);
    expect(store.pendingOps('r_1').map((e) => e.seq)).toEqual([b]);
    view.complete('r_1', [b], { ok: false, error: '400 bad' }, 3);
    expect(view.of('r_1')).toEqual([]);
    expect(store.pendingOps('r_1')).toEqual([]);
    expect(view.actionOf('r_1')).toBe('deploy');
    store.close();
  });
});
