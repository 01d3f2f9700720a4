import { describe, expect, it } from '@jest/globals';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { PendingOps } from '../../src/reporter/pendingOps.js';

const invocation = { runId: 'r_1', action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} };

describe('PendingOps', () => {
  it('when ops were journaled before this process (a restart), then the view loads them once and appends after them in order', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    store.accept({ runId: 'r_1', action: 'deploy', invocation, synchronized: false }, 1);
    const before = store.appendOp('r_1', { kind: 'log', message: 'from the last process' }, 1);
    const view = new PendingOps(sqliteAsyncStore({ store }));

    const seq = await view.append('r_1', { kind: 'log', message: 'now' }, 2, null);
    expect((await view.of('r_1')).map((e) => e.seq)).toEqual([before, seq]);
    await expect(view.actionOf('r_1')).resolves.toBe('deploy'); // read from the journal
    store.close();
  });

  it('when ops are completed, then they leave the view and the journal both', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const view = new PendingOps(sqliteAsyncStore({ store }));
    const a = await view.append('r_1', { kind: 'log', message: 'a' }, 1, null, 'deploy');
    const b = await view.append('r_1', { kind: 'log', message: 'b' }, 1, null);
    await view.complete('r_1', [a], { ok: true }, 2);
    expect((await view.of('r_1')).map((e) => e.seq)).toEqual([b]);
    expect(store.pendingOps('r_1').map((e) => e.seq)).toEqual([b]);
    await view.complete('r_1', [b], { ok: false, error: '400 bad' }, 3);
    expect(await view.of('r_1')).toEqual([]);
    expect(store.pendingOps('r_1')).toEqual([]);
    await expect(view.actionOf('r_1')).resolves.toBe('deploy');
    store.close();
  });

  it('when a handler appends without awaiting while the view is still loading, then every op is in the view once, in call order', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    store.appendOp('r_1', { kind: 'log', message: 'old' }, 1);
    const view = new PendingOps(sqliteAsyncStore({ store }));
    const loading = view.of('r_1');
    const seqs = await Promise.all(['a', 'b', 'c'].map((m) => view.append('r_1', { kind: 'log', message: m }, 2, null)));
    await loading;
    const messages = (await view.of('r_1')).map((e) => (e.op.kind === 'log' ? e.op.message : e.op.kind));
    expect(messages).toEqual(['old', 'a', 'b', 'c']);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    store.close();
  });

  it('when the view is dropped while an append is on its way to the store, then the ops journaled before it still come first', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const journal = sqliteAsyncStore({ store });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The second append reaches the store only when the test lets it (a slow Redis round trip).
    let appends = 0;
    const view = new PendingOps({
      ...journal,
      appendOp: async (...args: Parameters<typeof journal.appendOp>) => {
        if (appends++ === 1) await held;
        return journal.appendOp(...args);
      },
    });
    await view.append('r_1', { kind: 'log', message: 'step 0' }, 1, null);
    const second = view.append('r_1', { kind: 'log', message: 'step 1' }, 2, null);
    await new Promise((r) => setImmediate(r));
    const dropped = view.drop('r_1'); // a lease taken over meanwhile
    release();
    await Promise.all([second, dropped]);
    const messages = (await view.of('r_1')).map((e) => (e.op.kind === 'log' ? e.op.message : e.op.kind));
    expect(messages).toEqual(['step 0', 'step 1']);
    store.close();
  });
});
