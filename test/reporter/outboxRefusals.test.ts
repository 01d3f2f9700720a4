import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStore, type SqliteRunStore } from '../../src/journal/sqliteStore.js';
import type { RunStore } from '../../src/journal/store.js';
import { createOutbox, type OutboxOptions } from '../../src/reporter/outbox.js';
import { REFUSED_FINAL_LABEL } from '../../src/reporter/refusedFinal.js';
import { FakePort } from './fakePort.js';
import { memoryLogger } from './memoryLogger.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
  jest.restoreAllMocks();
});

function setup(over: Partial<OutboxOptions> & { wrap?: (s: SqliteRunStore) => RunStore } = {}) {
  const real = openSqliteStore({ path: ':memory:' });
  const store = over.wrap ? over.wrap(real) : real;
  const port = new FakePort();
  const { logger, lines } = memoryLogger();
  const outbox = createOutbox({ clock: systemClock, logger, retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...over, store: sqliteAsyncStore({ store }), port });
  cleanup.push(() => real.close(), () => outbox.stop());
  return { store: real, port, outbox, lines };
}

const calls = (port: FakePort) => port.calls.map((c) => [c.method, c.args[1]]);

describe('a refused final status', () => {
  it('when Port answers a schema 422 to the final status and the run is still open, then a short label of the same status is sent instead and the run ends', async () => {
    const { store, port, outbox } = setup();
    port.failNext('patchRun', 1, 422);
    const label = `deployed ✅ ${'x'.repeat(300)}\nsecond line`;
    const seq = outbox.appendAndAwait('r_1', { kind: 'final', status: 'SUCCESS', label });
    await expect(seq).resolves.toMatchObject({ id: 'r_1' });
    expect(calls(port)).toEqual([
      ['patchRun', { status: 'SUCCESS', statusLabel: label }],
      ['getRun', undefined],
      ['patchRun', { status: 'SUCCESS', statusLabel: `deployed ${'x'.repeat(68)}...` }],
    ]);
    expect(store.countPendingOps()).toBe(0);
  });

  it('when Port refuses the final status and every fallback, then FAILURE with a fixed label is tried last and the op is recorded refused', async () => {
    const { store, port, outbox, lines } = setup();
    port.failNext('patchRun', 2, 422);
    const seq = outbox.appendAndAwait('r_1', { kind: 'final', status: 'SUCCESS', label: 'done' });
    await expect(seq).rejects.toMatchObject({ status: 422 });
    // 'done' is already short and plain: the only fallback left is FAILURE with a fixed label.
    expect(port.callsOf('patchRun').map((c) => c.args[1])).toEqual([
      { status: 'SUCCESS', statusLabel: 'done' },
      { status: 'FAILURE', statusLabel: REFUSED_FINAL_LABEL },
    ]);
    expect(port.callsOf('getRun')).toHaveLength(2);
    expect(store.countPendingOps()).toBe(0);
    expect(lines.find((l) => l.level === 'error')?.message).toMatch(/^the final status could not be delivered: Port refused every form/);
  });

  it('when a proxy answers 409 to the final status and the run is still open, then the same final status is sent again and delivered', async () => {
    const { port, outbox } = setup();
    port.failNext('patchRun', 2, 409);
    const seq = outbox.appendAndAwait('r_1', { kind: 'final', status: 'FAILURE', label: 'bad' });
    await expect(seq).resolves.toMatchObject({ id: 'r_1' });
    expect(calls(port)).toEqual([
      ['patchRun', { status: 'FAILURE', statusLabel: 'bad' }],
      ['getRun', undefined],
      ['patchRun', { status: 'FAILURE', statusLabel: 'bad' }],
      ['getRun', undefined],
      ['patchRun', { status: 'FAILURE', statusLabel: 'bad' }],
    ]);
  });

  it('when a proxy keeps answering 409 after every fallback while Port shows the run open, then the last fallback is retried until it is delivered and the run ends', async () => {
    const { store, port, outbox } = setup();
    port.failNext('patchRun', 8, 409);
    const seq = outbox.appendAndAwait('r_1', { kind: 'final', status: 'FAILURE', label: 'bad' });
    await expect(seq).resolves.toMatchObject({ id: 'r_1' });
    const patches = port.callsOf('patchRun').map((c) => c.args[1]);
    expect(patches).toHaveLength(9);
    expect(patches.slice(0, 6)).toEqual(Array(6).fill({ status: 'FAILURE', statusLabel: 'bad' }));
    expect(patches.slice(6)).toEqual(Array(3).fill({ status: 'FAILURE', statusLabel: REFUSED_FINAL_LABEL }));
    expect(store.countPendingOps()).toBe(0);
  });

  it('when Port answers 409 to the final status and shows the run finished, then it counts as delivered without another PATCH', async () => {
    const { port, outbox, lines } = setup();
    port.failNext('patchRun', 1, 409);
    port.runStatus.set('r_1', 'FAILURE');
    const seq = outbox.appendAndAwait('r_1', { kind: 'final', status: 'SUCCESS' });
    await expect(seq).resolves.toBeUndefined();
    expect(port.calls.map((c) => c.method)).toEqual(['patchRun', 'getRun']);
    expect(lines.find((l) => l.message.startsWith('Port shows the run already finished'))).toMatchObject({ portStatus: 'FAILURE', status: 409 });
  });

  it('when Port cannot be asked about the run (GET fails with 503), then the final status is retried later and delivered', async () => {
    const { port, outbox } = setup();
    port.failNext('patchRun', 1, 422);
    port.failNext('getRun', 1, 503);
    const seq = outbox.appendAndAwait('r_1', { kind: 'final', status: 'SUCCESS' });
    await expect(seq).resolves.toMatchObject({ id: 'r_1' });
    expect(port.calls.map((c) => c.method)).toEqual(['patchRun', 'getRun', 'patchRun']);
  });
});

describe('outbox backoff', () => {
  it('when Port keeps failing, then the waits double from the base, stop at the cap, and the jitter keeps each within [step/2, step]', async () => {
    const delays = (random: number) => {
      const seen: number[] = [];
      const real = globalThis.setTimeout;
      jest.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
        seen.push(ms ?? 0);
        return real(fn, 0);
      }) as typeof setTimeout);
      return seen;
    };
    for (const [random, expected] of [
      [1, [5, 10, 20, 20, 20]],
      [0, [3, 5, 10, 10, 10]],
    ] as const) {
      const seen = delays(random);
      const { port, outbox } = setup({ random: () => random });
      port.failNext('addRunLog', 5, 503);
      const seq = outbox.appendAndAwait('r_1', { kind: 'log', message: 'm' });
      await seq;
      expect(seen).toEqual(expected);
      jest.restoreAllMocks();
    }
  });
});

describe('promises that must settle', () => {
  it('when the outbox stops with an entity write and a drain waiting on Port, then the write rejects shutting_down and the drain resolves', async () => {
    const { port, outbox, store } = setup();
    port.failNext('createEntity', 1000, 503);
    const seq = outbox.appendAndAwait('r_1', { kind: 'entity.create', blueprint: 'svc', entity: { identifier: 'a' }, query: { runId: 'r_1' } });
    const write = seq;
    const drained = outbox.drained('r_1');
    await new Promise((r) => setTimeout(r, 30)); // at least one attempt failed: the lane is in backoff
    outbox.stop();
    await expect(write).rejects.toMatchObject({ code: 'shutting_down' });
    await expect(drained).resolves.toBeUndefined();
    expect(store.countPendingOps()).toBe(1); // still journaled for the next start
  });

  it('when a journal error stops a lane, then its entity write rejects journal_unavailable, its drain resolves, and the run is tried again and delivered', async () => {
    let failures = 1;
    const { port, outbox, store } = setup({
      wrap: (real) =>
        Object.assign(Object.create(null), real, {
          completeOps: (...args: Parameters<RunStore['completeOps']>) => {
            if (failures-- > 0) throw Object.assign(new Error('disk I/O error'), { code: 'journal_unavailable' });
            return real.completeOps(...args);
          },
        }) as RunStore,
    });
    const seq = outbox.appendAndAwait('r_1', { kind: 'entity.create', blueprint: 'svc', entity: { identifier: 'a' }, query: { runId: 'r_1' } });
    const write = seq;
    const drained = outbox.drained('r_1');
    await expect(write).rejects.toMatchObject({ code: 'journal_unavailable' });
    await expect(drained).resolves.toBeUndefined();
    const again = async () => {
      for (let i = 0; i < 400 && store.countPendingOps() > 0; i++) await new Promise((r) => setTimeout(r, 5));
    };
    await again();
    expect(store.countPendingOps()).toBe(0);
    expect(port.callsOf('createEntity')).toHaveLength(2);
  });
});
