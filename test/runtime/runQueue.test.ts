import { describe, expect, it } from '@jest/globals';
import { createMetrics } from '../../src/metrics.js';
import { createRunQueue, type RunJob } from '../../src/runtime/runQueue.js';
import { gate, tick, until } from './helpers.js';

/** Jobs that record start order and concurrency, each held until released. */
function harness() {
  const started: string[] = [];
  const gates = new Map<string, { promise: Promise<void>; open: () => void }>();
  let running = 0;
  let maxRunning = 0;
  const job = (id: string): RunJob => ({
    runId: id,
    run: async () => {
      started.push(id);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      const g = gate<void>();
      gates.set(id, g);
      await g.promise;
      running -= 1;
    },
  });
  return { started, gates, job, maxRunning: () => maxRunning, running: () => running };
}

describe('createRunQueue', () => {
  it('when more jobs than slots arrive, then never more than maxConcurrent run and they start FIFO', async () => {
    const q = createRunQueue({ maxConcurrent: 3, maxQueued: 100 });
    const h = harness();
    for (let i = 0; i < 10; i += 1) expect(q.tryEnqueue(h.job(`r${i}`))).toBe(true);
    expect(q.inFlight).toBe(3);
    expect(q.depth).toBe(7);
    while (h.started.length < 10 || h.running() > 0) {
      await until(() => h.gates.size > 0);
      const [id, g] = [...h.gates.entries()][0];
      h.gates.delete(id);
      g.open();
      await tick();
    }
    expect(h.maxRunning()).toBe(3);
    expect(h.started).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    expect(q.inFlight).toBe(0);
    expect(q.depth).toBe(0);
  });

  it('when maxQueued jobs already wait, then tryEnqueue answers false and hasRoom is false', () => {
    const q = createRunQueue({ maxConcurrent: 1, maxQueued: 2 });
    const h = harness();
    expect(q.tryEnqueue(h.job('running'))).toBe(true);
    expect(q.tryEnqueue(h.job('w1'))).toBe(true);
    expect(q.tryEnqueue(h.job('w2'))).toBe(true);
    expect(q.hasRoom()).toBe(false);
    expect(q.tryEnqueue(h.job('w3'))).toBe(false);
    expect(q.depth).toBe(2);
  });

  it('when maxQueued is 0 and a slot is free, then the job starts at once; with no slot, it is refused', () => {
    const q = createRunQueue({ maxConcurrent: 1, maxQueued: 0 });
    const h = harness();
    expect(q.tryEnqueue(h.job('a'))).toBe(true);
    expect(h.started).toEqual(['a']);
    expect(q.tryEnqueue(h.job('b'))).toBe(false);
  });

  it('when enqueue() is forced past the bound (recovered runs), then the job waits anyway', () => {
    const q = createRunQueue({ maxConcurrent: 1, maxQueued: 0 });
    const h = harness();
    q.enqueue(h.job('a'));
    q.enqueue(h.job('b'));
    expect(q.inFlight).toBe(1);
    expect(q.depth).toBe(1);
  });

  it('when every slot is busy, then tryAcquireNow gives null; a released slot starts the next waiting job', async () => {
    const q = createRunQueue({ maxConcurrent: 2, maxQueued: 10 });
    const h = harness();
    const slot = q.tryAcquireNow();
    expect(slot).not.toBeNull();
    q.tryEnqueue(h.job('a'));
    expect(q.tryAcquireNow()).toBeNull();
    q.tryEnqueue(h.job('b'));
    expect(h.started).toEqual(['a']);
    slot!.release();
    slot!.release(); // idempotent: must not free a second slot
    expect(h.started).toEqual(['a', 'b']);
    expect(q.inFlight).toBe(2);
  });

  it('when created paused, then nothing starts until start(); after stop(), waiting jobs stay queued', async () => {
    const q = createRunQueue({ maxConcurrent: 2, maxQueued: 10, paused: true });
    const h = harness();
    q.tryEnqueue(h.job('a'));
    q.tryEnqueue(h.job('b'));
    expect(h.started).toEqual([]);
    expect(q.tryAcquireNow()).toBeNull();
    q.start();
    expect(h.started).toEqual(['a', 'b']);
    q.tryEnqueue(h.job('c'));
    q.stop();
    h.gates.get('a')!.open();
    await tick();
    expect(h.started).toEqual(['a', 'b']);
    expect(q.depth).toBe(1);
    expect(q.inFlight).toBe(1);
  });

  it('when a job rejects, then onError gets it and its slot is freed', async () => {
    const errors: unknown[] = [];
    const q = createRunQueue({ maxConcurrent: 1, maxQueued: 10, onError: (err) => errors.push(err) });
    const h = harness();
    q.tryEnqueue({ runId: 'bad', run: async () => Promise.reject(new Error('boom')) });
    q.tryEnqueue(h.job('next'));
    await until(() => h.started.length === 1);
    expect(errors).toEqual([expect.objectContaining({ message: 'boom' })]);
  });

  it('when jobs start and wait, then the queue depth and in-flight gauges follow', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const q = createRunQueue({ maxConcurrent: 1, maxQueued: 10, metrics });
    const h = harness();
    q.tryEnqueue(h.job('a'));
    q.tryEnqueue(h.job('b'));
    q.tryEnqueue(h.job('c'));
    const value = async (g: typeof metrics.queueDepth) => (await g.get()).values[0].value;
    expect(await value(metrics.queueDepth)).toBe(2);
    expect(await value(metrics.runsInFlight)).toBe(1);
    h.gates.get('a')!.open();
    await until(() => h.started.length === 2);
    expect(await value(metrics.queueDepth)).toBe(1);
    expect(await value(metrics.runsInFlight)).toBe(1);
  });
});
