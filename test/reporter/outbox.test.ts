import { afterEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../src/clock.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStore, type SqliteRunStore } from '../../src/journal/sqliteStore.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createOutbox, type Outbox, type OutboxOptions } from '../../src/reporter/outbox.js';
import { FakePort } from './fakePort.js';
import { memoryLogger } from './memoryLogger.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
});

function setup(over: Omit<Partial<OutboxOptions>, 'store'> & { store?: SqliteRunStore } = {}) {
  const store = over.store ?? openSqliteStore({ path: ':memory:' });
  const port = (over.port as FakePort | undefined) ?? new FakePort();
  const outbox = createOutbox({
    clock: systemClock,
    logger: silentLogger(),
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...over,
    store: sqliteAsyncStore({ store }),
    port,
  });
  cleanup.push(() => store.close(), () => outbox.stop());
  return { store, port, outbox };
}

function logMessages(port: FakePort, runId?: string): string[] {
  return port
    .callsOf('addRunLog')
    .filter((c) => runId === undefined || c.runId === runId)
    .map((c) => (c.args[1] as { message: string }).message);
}

async function drain(outbox: Outbox, runId: string): Promise<void> {
  await outbox.drained(runId);
}

describe('createOutbox', () => {
  it('when a run journals logs, patches and a final, then they are sent in journal order', async () => {
    const { store, port, outbox } = setup();
    outbox.append('r_1', { kind: 'log', message: 'a' });
    outbox.append('r_1', { kind: 'patch', body: { statusLabel: 'l' } });
    outbox.append('r_1', { kind: 'log', message: 'b' });
    outbox.append('r_1', { kind: 'final', status: 'SUCCESS', label: 'ok' });
    await drain(outbox, 'r_1');
    expect(port.calls.map((c) => [c.method, c.args[1]])).toEqual([
      ['addRunLog', { message: 'a' }],
      ['patchRun', { statusLabel: 'l' }],
      ['addRunLog', { message: 'b', terminationStatus: 'SUCCESS', statusLabel: 'ok' }],
    ]);
    expect(store.countPendingOps()).toBe(0);
  });

  it('when consecutive patches precede a final, then they go out as one PATCH with later keys winning', async () => {
    const { port, outbox } = setup();
    outbox.append('r_1', { kind: 'patch', body: { statusLabel: 'first', summary: 's' } });
    outbox.append('r_1', { kind: 'patch', body: { statusLabel: 'second', link: ['u1'] } });
    outbox.append('r_1', { kind: 'final', status: 'FAILURE', label: 'bad' });
    await drain(outbox, 'r_1');
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0]).toMatchObject({ method: 'patchRun', args: ['r_1', { statusLabel: 'bad', summary: 's', link: ['u1'], status: 'FAILURE' }] });
  });

  it('when logs are journaled back to back, then each is its own call (never merged)', async () => {
    const { port, outbox } = setup();
    for (const m of ['x', 'y', 'z']) outbox.append('r_1', { kind: 'log', message: m });
    await drain(outbox, 'r_1');
    expect(port.calls.map((c) => c.args[1])).toEqual([{ message: 'x' }, { message: 'y' }, { message: 'z' }]);
  });

  it('when Port answers 503 twice, then the op is retried with backoff and delivered exactly once', async () => {
    const { store, port, outbox } = setup();
    port.failNext('addRunLog', 2, 503);
    const seq = outbox.appendAndAwait('r_1', { kind: 'log', message: 'hello' });
    const delivered = seq;
    await drain(outbox, 'r_1');
    await expect(delivered).resolves.toBeUndefined();
    expect(logMessages(port)).toEqual(['hello', 'hello', 'hello']); // two refused tries, one delivery
    expect(store.pendingOps('r_1')).toEqual([]);
  });

  it.each([401, 403])('when Port refuses our credentials (%i) for a while, then the ops wait and are delivered once it accepts them', async (status) => {
    const { store, port, outbox } = setup();
    port.failNext('addRunLog', 3, status);
    port.failNext('patchRun', 3, status);
    outbox.append('r_1', { kind: 'log', message: 'hello' });
    outbox.append('r_1', { kind: 'final', status: 'SUCCESS', label: 'ok' });
    await drain(outbox, 'r_1');
    expect(store.pendingOps('r_1')).toEqual([]);
    expect(port.calls.at(-1)).toMatchObject({ method: 'addRunLog', args: ['r_1', { message: 'hello', terminationStatus: 'SUCCESS', statusLabel: 'ok' }] });
  });

  it('when Port refuses a log with 400, then it is recorded and the later ops and the final status still go out', async () => {
    const { logger, lines } = memoryLogger();
    const { port, outbox } = setup({ logger });
    port.failNext('addRunLog', 1, 400, 'invalid_request');
    const bad = outbox.appendAndAwait('r_1', { kind: 'log', message: 'refused' });
    const refused = bad;
    outbox.append('r_1', { kind: 'patch', body: { summary: 'after' } });
    outbox.append('r_1', { kind: 'final', status: 'SUCCESS' });
    await expect(refused).rejects.toMatchObject({ code: 'port_api_error', status: 400, portError: 'invalid_request' });
    await drain(outbox, 'r_1');
    expect(port.calls.map((c) => c.method)).toEqual(['addRunLog', 'patchRun']);
    expect(port.calls[1].args[1]).toEqual({ summary: 'after', status: 'SUCCESS' });
    expect(lines.some((l) => l.level === 'warn' && l.status === 400 && l.runId === 'r_1')).toBe(true);
  });

  it('when Port answers 422 to the final status and its run shows it finished, then the run counts as finished and nothing is retried', async () => {
    const { store, port, outbox } = setup();
    port.failNext('patchRun', 1, 422);
    port.runStatus.set('r_1', 'SUCCESS');
    const seq = outbox.appendAndAwait('r_1', { kind: 'final', status: 'SUCCESS' });
    await expect(seq).resolves.toBeUndefined();
    await drain(outbox, 'r_1');
    expect(port.callsOf('patchRun')).toHaveLength(1);
    expect(port.callsOf('getRun')).toHaveLength(1);
    expect(store.countPendingOps()).toBe(0);
  });

  it('when a merged log + final is refused with 422, then the ops are retried one per request and the final counts as finished once Port shows it', async () => {
    const { port, outbox } = setup();
    port.failNext('addRunLog', 2, 422);
    port.failNext('patchRun', 1, 422);
    port.runStatus.set('r_1', 'FAILURE');
    const log = outbox.appendAndAwait('r_1', { kind: 'log', message: 'late' });
    const logResult = log;
    const fin = outbox.appendAndAwait('r_1', { kind: 'final', status: 'FAILURE', label: 'x' });
    const finResult = fin;
    await expect(logResult).rejects.toMatchObject({ status: 422 });
    await expect(finResult).resolves.toBeUndefined();
    expect(port.calls.map((c) => [c.method, c.args[1]])).toEqual([
      ['addRunLog', { message: 'late', terminationStatus: 'FAILURE', statusLabel: 'x' }],
      ['addRunLog', { message: 'late' }],
      ['patchRun', { status: 'FAILURE', statusLabel: 'x' }],
      ['getRun', undefined],
    ]);
  });

  it('when an entity op is delivered, then waitFor resolves with Port entity and the call carries the budget and run id', async () => {
    const { port, outbox } = setup({ callBudgetMs: 1234, finalCallBudgetMs: 99999 });
    const seq = outbox.appendAndAwait('r_1', {
      kind: 'entity.create',
      blueprint: 'service',
      entity: { identifier: 'svc', title: 'Svc' },
      query: { upsert: true, merge: false, runId: 'r_1' },
    });
    await expect(seq).resolves.toEqual({ identifier: 'svc', title: 'Svc', blueprint: 'service' });
    outbox.append('r_1', { kind: 'final', status: 'SUCCESS' });
    await drain(outbox, 'r_1');
    expect(port.calls[0].opts).toEqual({ runId: 'r_1', budgetMs: 1234 });
    expect(port.calls[1].opts).toEqual({ runId: 'r_1', budgetMs: 99999 });
  });

  it('when many runs have ops, then at most maxParallelRuns lanes send at once and each run stays in order', async () => {
    const port = new FakePort();
    port.latencyMs = 5;
    const { outbox } = setup({ port, maxParallelRuns: 3 });
    const runs = Array.from({ length: 8 }, (_, i) => `r_${i}`);
    for (let i = 0; i < 4; i++) for (const r of runs) void outbox.append(r, { kind: 'log', message: `${r}:${i}` });
    await Promise.all(runs.map((r) => outbox.append(r, { kind: 'log', message: `${r}:4` })));
    expect(await outbox.flush(5000)).toBe(true);
    expect(port.maxInFlight).toBe(3);
    for (const r of runs) expect(logMessages(port, r)).toEqual([0, 1, 2, 3, 4].map((i) => `${r}:${i}`));
  });

  it('when one run is sending, then another run is not held up behind it', async () => {
    const port = new FakePort();
    port.latencyMs = 20;
    const { outbox } = setup({ port });
    await Promise.all([outbox.append('r_a', { kind: 'log', message: 'a' }), outbox.append('r_b', { kind: 'log', message: 'b' })]);
    await outbox.flush(5000);
    expect(port.maxInFlight).toBe(2);
  });

  it('when the process restarts with pending ops, then resumeAll delivers them in order', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const before = openSqliteStore({ dataDir: dir });
    const down = new FakePort();
    down.failNext('addRunLog', 1000, 503);
    const first = createOutbox({ store: sqliteAsyncStore({ store: before }), port: down, clock: systemClock, logger: silentLogger(), retry: { baseDelayMs: 1000 } });
    first.append('r_1', { kind: 'log', message: 'one' });
    first.append('r_1', { kind: 'log', message: 'two' });
    first.append('r_1', { kind: 'final', status: 'SUCCESS' });
    await new Promise((r) => setTimeout(r, 20));
    first.stop();
    before.close();

    const store = openSqliteStore({ dataDir: dir });
    const { port, outbox } = setup({ store });
    await expect(outbox.resumeAll()).resolves.toBe(1);
    await drain(outbox, 'r_1');
    expect(port.calls.map((c) => c.args[1])).toEqual([{ message: 'one' }, { message: 'two', terminationStatus: 'SUCCESS' }]);
  });

  it('when Port stays down, then flush gives up at its timeout with false and stop cancels the retries', async () => {
    const { port, outbox } = setup();
    port.failNext('addRunLog', 1000, 503);
    outbox.append('r_1', { kind: 'log', message: 'stuck' });
    expect(await outbox.flush(60)).toBe(false);
    expect(outbox.pending('r_1')).toBe(1);
    outbox.stop();
    const calls = port.calls.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(port.calls.length).toBe(calls);
  });

  it('when ops are journaled and delivered, then the outbox depth gauge follows', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const port = new FakePort();
    port.failNext('addRunLog', 1, 503);
    const { outbox } = setup({ metrics, port });
    const gauge = async () => (await metrics.outboxDepth.get()).values[0]?.value;
    void outbox.append('r_1', { kind: 'log', message: 'a' });
    await outbox.append('r_1', { kind: 'log', message: 'b' });
    expect(await gauge()).toBe(2);
    await drain(outbox, 'r_1');
    expect(await gauge()).toBe(0);
  });

  it('when Port throws an error that is not a PortApiError, then the lane retries rather than dropping the op', async () => {
    const port = new FakePort();
    let thrown = 0;
    const original = port.addRunLog.bind(port);
    port.addRunLog = (runId, body, opts) => {
      if (thrown++ === 0) return Promise.reject(new TypeError('socket hang up'));
      return original(runId, body, opts);
    };
    const { outbox } = setup({ port });
    outbox.append('r_1', { kind: 'log', message: 'kept' });
    await drain(outbox, 'r_1');
    expect(logMessages(port)).toEqual(['kept']);
    expect(thrown).toBe(2);
  });

  it('when the outbox stops with a request in flight, then settled waits until Port has answered and the answer is journaled', async () => {
    const port = new FakePort();
    port.latencyMs = 80;
    const { store, outbox } = setup({ port });
    void outbox.append('r_1', { kind: 'log', message: 'in flight' });
    void outbox.append('r_1', { kind: 'log', message: 'not sent' });
    await until(() => port.inFlight === 1);
    outbox.stop();
    expect(store.countPendingOps()).toBe(2);
    await outbox.settled(2000);
    expect(logMessages(port)).toEqual(['in flight']);
    expect(store.countPendingOps()).toBe(1); // delivered and journaled as such; the next start sends only the rest
  });

  describe('two replicas on one store', () => {
    // Both outboxes share one store and one manual clock: the store's lease expiry and the outbox's idea
    // of its lease's age both follow `clock.t`. The renewal timer (every third of an hour) never fires.
    function twoReplicas() {
      const raw = openSqliteStore({ path: ':memory:' });
      const clock = { t: 1_000_000, now: () => clock.t };
      const store = sqliteAsyncStore({ store: raw, now: clock.now });
      const port = new FakePort();
      const make = (holder: string, own: typeof store = store) => {
        const outbox = createOutbox({ store: own, port, clock, logger: silentLogger(), holder, leaseMs: 3_600_000, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
        cleanup.push(() => outbox.stop());
        return outbox;
      };
      cleanup.push(() => raw.close());
      return { raw, clock, port, make, store };
    }

    it('when a replica stalls past its lease mid-request and another takes the run over and finishes it, then the stalled one sends nothing after the request it had in flight', async () => {
      const { raw, clock, port, make } = twoReplicas();
      let releaseHeld!: () => void;
      const held = new Promise<void>((resolve) => (releaseHeld = resolve));
      let sentByA = 0;
      const original = port.addRunLog.bind(port);
      port.addRunLog = async (runId, body, opts) => {
        // A's first request is in flight until the test lets it land.
        if (sentByA++ === 0) await held;
        return original(runId, body, opts);
      };
      const a = make('A');
      for (const m of ['a', 'b', 'c']) void a.append('r_1', { kind: 'log', message: m });
      await until(() => sentByA === 1);

      clock.t += 3_600_001; // A's lease has lapsed while its request waits
      const b = make('B');
      expect(await b.resumeAll()).toBe(1);
      await until(() => logMessages(port).length === 3 && raw.countPendingOps() === 0);

      releaseHeld(); // A wakes up: its request lands, then it must see the run is done
      await until(() => a.pending('r_1') === 0);
      await new Promise((r) => setTimeout(r, 50));
      // 'a' was on its way when A's lease lapsed: it lands twice. 'b' and 'c' only once each.
      expect(logMessages(port)).toEqual(['a', 'b', 'c', 'a']);
      expect(raw.countPendingOps()).toBe(0);
    });

    it('when a replica read the ops of a run while another was delivering them and only then gets the lease, then it sends none of what the other delivered', async () => {
      const { raw, port, make, store } = twoReplicas();
      const gate = () => {
        let open!: () => void;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return { open, opened };
      };
      const aSends = gate();
      const bLeases = gate();
      let calls = 0;
      const original = port.addRunLog.bind(port);
      port.addRunLog = async (runId, body, opts) => {
        if (calls++ === 0) await aSends.opened;
        return original(runId, body, opts);
      };
      const a = make('A');
      void a.append('r_1', { kind: 'log', message: 'a' });
      await until(() => calls === 1); // A holds the lease, its request in flight
      // B (a replica draining at shutdown) reads the run's ops now, but asks for the lease only later.
      const b = make('B', { ...store, leaseOutbox: async (...args) => (await bLeases.opened, store.leaseOutbox(...args)) });
      const flushed = b.flush(2000);
      await new Promise((r) => setTimeout(r, 30));
      aSends.open();
      await until(() => raw.countPendingOps() === 0 && a.pending('r_1') === 0);
      await new Promise((r) => setTimeout(r, 30)); // A released its lease
      bLeases.open();
      expect(await flushed).toBe(true);
      expect(logMessages(port)).toEqual(['a']);
    });

    it('when a replica stalls past its lease mid-request while another replica now holds the run, then it gives the run up instead of sending the next op', async () => {
      const { raw, clock, port, make } = twoReplicas();
      // The first two requests (A's of 'a', then B's of 'a') are each in flight until the test lets them land.
      const gates = [0, 1].map(() => {
        let open!: () => void;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return { open, opened };
      });
      let calls = 0;
      const original = port.addRunLog.bind(port);
      port.addRunLog = async (runId, body, opts) => {
        const gate = gates[calls++];
        if (gate) await gate.opened;
        return original(runId, body, opts);
      };
      const a = make('A');
      for (const m of ['a', 'b']) void a.append('r_1', { kind: 'log', message: m });
      await until(() => calls === 1);
      clock.t += 3_600_001;
      const b = make('B');
      await b.resumeAll();
      await until(() => calls === 2);

      gates[0].open(); // A's 'a' lands while B holds the lease
      await until(() => logMessages(port).length === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(calls).toBe(2); // A did not send 'b'
      gates[1].open();
      await b.flush(2000);
      expect(logMessages(port)).toEqual(['a', 'a', 'b']);
      expect(raw.countPendingOps()).toBe(0);
    });
  });
});

async function until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
