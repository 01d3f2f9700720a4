// One contract, two stores: every case runs against the SQLite journal (through its async adapter) and
// against Redis, so the runtime can rely on the same answers whichever store it is given.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { AsyncRunStore } from '../../src/journal/asyncStore.js';
import { createRedisStore } from '../../src/journal/redis/redisStore.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import type { Invocation } from '../../src/normalize/invocation.js';
import { normalizeDelivery } from '../../src/normalize/normalize.js';
import { describeRedis, dropPrefix, redisClient, testPrefix } from '../redisKit.js';

function invocation(runId: string): Invocation {
  return { runId, action: 'deploy', blueprint: null, inputs: { name: 'svc' }, entity: null, trigger: null, payload: { context: { runId } } };
}
const newRun = (runId: string) => ({ runId, action: 'deploy', invocation: invocation(runId), synchronized: false });

/** Two handles on one store: two replicas on Redis, the same process twice on SQLite. */
type Open = () => Promise<{ a: AsyncRunStore; b: AsyncRunStore }>;

function contract(open: Open): void {
  it('when a run id is accepted again, also concurrently and after it finished, then it is a duplicate', async () => {
    const { a, b } = await open();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).accept(newRun('r_1'), 1000, 0)));
    expect(answers.filter((x) => x === 'accepted')).toHaveLength(1);
    expect(answers.filter((x) => x === 'duplicate')).toHaveLength(9);
    expect(await b.stateOf('r_1')).toBe('queued');
    expect((await b.get('r_1'))?.invocation).toEqual(invocation('r_1'));
    expect(await a.claim('r_1', 'w1', 1001)).toBe('started');
    expect(await a.recordFinal('r_1', { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, 1002, 'w1')).toBe(true);
    expect(await b.accept(newRun('r_1'), 2000, 0)).toBe('duplicate');
  });

  it('when MAX_QUEUED_RUNS runs wait, then the next accept is full and nothing of it is stored', async () => {
    const { a } = await open();
    expect(await a.accept(newRun('r_1'), 1, 2)).toBe('accepted');
    expect(await a.accept(newRun('r_2'), 2, 2)).toBe('accepted');
    expect(await a.accept(newRun('r_3'), 3, 2)).toBe('full');
    expect(await a.stateOf('r_3')).toBeUndefined();
    expect(await a.countRuns('queued')).toBe(2);
    await a.claim('r_1', 'w', 4);
    expect(await a.accept(newRun('r_3'), 5, 2)).toBe('accepted');
    expect((await a.listRuns('queued')).map((r) => r.runId)).toEqual(['r_2', 'r_3']);
    expect((await a.listRuns('running')).map((r) => r.runId)).toEqual(['r_1']);
  });

  it('when a run is accepted with startAs, then it is journaled running, owned by that fence, and not counted as waiting', async () => {
    const { a, b } = await open();
    expect(await a.accept({ ...newRun('r_1'), synchronized: true }, 10, 5, 'w1')).toBe('accepted');
    expect(await b.get('r_1')).toMatchObject({ state: 'running', acceptedAt: 10, startedAt: 10, synchronized: true });
    expect(await b.countRuns('queued')).toBe(0);
    expect((await b.listRuns('running')).map((r) => r.runId)).toEqual(['r_1']);
    expect(await a.accept(newRun('r_1'), 11, 5, 'w1')).toBe('duplicate');
    await a.appendOp('r_1', { kind: 'log', message: 'mine' }, 12, 'w1');
    await expect(a.appendOp('r_1', { kind: 'log', message: 'not mine' }, 12, 'w2')).rejects.toMatchObject({ code: 'run_fenced' });
    // The same owner claiming again (a claim resent after a reconnect) still starts it: nothing ran yet.
    expect(await a.claim('r_1', 'w1', 13)).toBe('started');
    // The owner it was started as died: another worker claiming it finds it interrupted.
    expect(await b.claim('r_1', 'w2', 13)).toBe('interrupted');
    expect(await a.accept(newRun('r_2'), 14, 0, null)).toBe('accepted');
    expect(await a.stateOf('r_2')).toBe('running');
  });

  it('when a running run is claimed again, then the claim says interrupted and the first owner is fenced off its writes', async () => {
    const { a, b } = await open();
    expect(await a.claim('r_nope', 'w1', 1)).toBe('missing');
    await a.accept(newRun('r_1'), 1, 0);
    expect(await a.claim('r_1', 'w1', 2)).toBe('started');
    await a.appendOp('r_1', { kind: 'log', message: 'step 1' }, 3, 'w1');
    expect(await b.claim('r_1', 'w2', 4)).toBe('interrupted');
    expect(await b.interruptions('r_1')).toBe(1);
    await expect(a.appendOp('r_1', { kind: 'log', message: 'late' }, 5, 'w1')).rejects.toMatchObject({ code: 'run_fenced' });
    await expect(a.recordFinal('r_1', { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, 5, 'w1')).rejects.toMatchObject({
      code: 'run_fenced',
    });
    expect(await b.lastLog('r_1')).toBe('step 1');
    expect(await b.recordFinal('r_1', { status: 'FAILURE', label: 'interrupted: step 1' }, { kind: 'final', status: 'FAILURE', label: 'interrupted: step 1' }, 6, 'w2')).toBe(true);
    expect(await a.claim('r_1', 'w3', 7)).toBe('finished');
    const record = await a.get('r_1');
    expect(record).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: 'interrupted: step 1' });
    expect((await a.pendingOps('r_1')).map((e) => e.op)).toEqual([
      { kind: 'log', message: 'step 1' },
      { kind: 'final', status: 'FAILURE', label: 'interrupted: step 1' },
    ]);
  });

  it('when a final status is recorded twice, then the first stands and one final op is owed after the earlier ones', async () => {
    const { a } = await open();
    await a.accept(newRun('r_1'), 1, 0);
    await a.claim('r_1', 'w', 2);
    await Promise.all([a.appendOp('r_1', { kind: 'log', message: 'one' }, 3, 'w'), a.appendOp('r_1', { kind: 'log', message: 'two' }, 3, 'w')]);
    expect(await a.recordFinal('r_1', { status: 'SUCCESS', label: 'done' }, { kind: 'final', status: 'SUCCESS', label: 'done' }, 4, 'w')).toBe(true);
    expect(await a.recordFinal('r_1', { status: 'FAILURE', label: 'x' }, { kind: 'final', status: 'FAILURE', label: 'x' }, 5, 'w')).toBe(false);
    expect((await a.get('r_1'))?.finalStatus).toBe('SUCCESS');
    expect((await a.pendingOps('r_1')).map((e) => e.op.kind)).toEqual(['log', 'log', 'final']);
    expect((await a.pendingOps('r_1')).map((e) => (e.op.kind === 'log' ? e.op.message : e.op.kind))).toEqual(['one', 'two', 'final']);
  });

  it('when owed ops are completed, then they are never pending again and the run leaves the pending list', async () => {
    const { a, b } = await open();
    await a.accept(newRun('r_1'), 1, 0);
    await a.accept(newRun('r_2'), 1, 0);
    const s1 = await a.appendOp('r_1', { kind: 'log', message: 'a' }, 2, null);
    const s2 = await a.appendOp('r_1', { kind: 'log', message: 'b' }, 2, null);
    await a.appendOp('r_2', { kind: 'log', message: 'c' }, 2, null);
    expect(s2).toBeGreaterThan(s1);
    expect((await b.runsWithPendingOps()).sort()).toEqual(['r_1', 'r_2']);
    expect(await b.countPendingOps()).toBe(3);
    await b.noteAttempt('r_1', s1, 'Port answered 503');
    expect((await b.pendingOps('r_1'))[0]).toMatchObject({ seq: s1, attempts: 1 });
    await b.completeOps('r_1', [s1], { ok: true }, 3);
    expect((await b.pendingOps('r_1')).map((e) => e.seq)).toEqual([s2]);
    await b.completeOps('r_1', [s2], { ok: false, error: 'refused' }, 4);
    expect(await b.pendingOps('r_1')).toEqual([]);
    expect(await b.runsWithPendingOps()).toEqual(['r_2']);
    expect(await b.countPendingOps()).toBe(1);
  });

  it('when one holder has a run outbox lease, then another gets it only once it is released or has expired', async () => {
    const { a, b } = await open();
    expect(await a.leaseOutbox('r_1', 'A', 60_000)).toBe(true);
    expect(await b.leaseOutbox('r_1', 'B', 60_000)).toBe(false);
    expect(await a.leaseOutbox('r_1', 'A', 60_000)).toBe(true); // renewed
    await b.releaseOutbox('r_1', 'B'); // not B's: no effect
    expect(await b.leaseOutbox('r_1', 'B', 60_000)).toBe(false);
    await a.releaseOutbox('r_1', 'A');
    expect(await b.leaseOutbox('r_1', 'B', 40)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120)); // longer than the lease: a slow machine only waits longer
    expect(await a.leaseOutbox('r_1', 'A', 60_000)).toBe(true);
  });

  it('when a synchronized run journals its result, then a later read returns it, and an unknown run gets none', async () => {
    const { a, b } = await open();
    await a.accept({ ...newRun('r_1'), synchronized: true }, 1, 0);
    await a.claim('r_1', 'w', 2);
    await a.recordFinal('r_1', { status: 'SUCCESS', label: null }, null, 3, 'w');
    await a.recordResult('r_1', { url: 'https://example.com/svc', n: 2 });
    expect(await b.get('r_1')).toMatchObject({ synchronized: true, state: 'finished', finalStatus: 'SUCCESS', result: { url: 'https://example.com/svc', n: 2 } });
    expect(await b.pendingOps('r_1')).toEqual([]); // Port takes a synchronized run's status from the answer
    await a.recordResult('r_gone', { x: 1 });
    expect(await b.get('r_gone')).toBeUndefined();
  });

  it('when a run is accepted with its body\'s text, then another handle loads the normalizer\'s invocation from it', async () => {
    const { a, b } = await open();
    // As received: spacing, key order and a 2 KB input that the stored form must not hold twice.
    const payloadJson = `{ "action": "deploy", "context": {"runId": "r_text", "blueprint": "service"}, "trigger": {"by": {"userId": "u"}},
      "payload": {"entity": {"identifier": "svc-1"}, "properties": {"notes": "${'n'.repeat(2048)}"}} }`;
    const invocation = normalizeDelivery({ body: JSON.parse(payloadJson), headers: {} });
    expect(await a.accept({ runId: 'r_text', action: 'deploy', invocation, synchronized: false, payloadJson }, 1, 0)).toBe('accepted');
    const loaded = (await b.get('r_text'))?.invocation;
    expect(loaded).toEqual(invocation);
    expect(loaded?.inputs).toEqual({ notes: 'n'.repeat(2048) });
    expect(loaded?.entity).toEqual({ identifier: 'svc-1' });
    expect((await b.listRuns('queued')).map((r) => r.invocation)).toEqual([invocation]);
  });

  it('when the store is usable, then check() resolves without writing anything', async () => {
    const { a } = await open();
    await expect(a.check()).resolves.toBeUndefined();
    expect(await a.countRuns('queued')).toBe(0);
    expect(await a.countPendingOps()).toBe(0);
  });
}

describe.each(['turn', 'microtask', 'each'] as const)('async store contract on SQLite, commit per %s', (commit) => {
  const opened: AsyncRunStore[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  contract(async () => {
    const store = sqliteAsyncStore({ store: openSqliteStore({ path: ':memory:' }), commit });
    opened.push(store);
    return { a: store, b: store };
  });
});

describeRedis('async store contract on Redis', () => {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await dropPrefix(clients[0], p);
  });
  afterAll(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  contract(async () => {
    const prefix = testPrefix('contract');
    prefixes.push(prefix);
    const [ra, rb] = [redisClient(), redisClient()];
    clients.push(ra, rb);
    await Promise.all([ra.ping(), rb.ping()]);
    return { a: createRedisStore({ redis: ra, prefix, dedupeTtlHours: 168 }), b: createRedisStore({ redis: rb, prefix, dedupeTtlHours: 168 }) };
  });
});
