import { afterAll, afterEach, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createRedisStore, redisKeys } from '../../../src/journal/redis/redisStore.js';
import type { AsyncRunStore } from '../../../src/journal/asyncStore.js';
import type { Invocation } from '../../../src/normalize/invocation.js';
import { describeRedis, dropPrefix, redisClient, testPrefix } from '../../redisKit.js';

function invocation(runId: string): Invocation {
  return { runId, action: 'deploy', blueprint: null, inputs: { name: 'svc' }, entity: null, trigger: null, payload: { context: { runId } } };
}
const newRun = (runId: string) => ({ runId, action: 'deploy', invocation: invocation(runId), synchronized: false });

describeRedis('redis store', () => {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  /** Two "replicas": separate connections on one prefix. */
  async function open(prefix = testPrefix('store'), dedupeTtlHours = 168): Promise<{ store: AsyncRunStore; redis: Redis; prefix: string }> {
    const redis = redisClient();
    await redis.ping();
    clients.push(redis);
    prefixes.push(prefix);
    return { store: createRedisStore({ redis, prefix, dedupeTtlHours }), redis, prefix };
  }

  afterEach(async () => {
    if (clients.length > 0) for (const p of prefixes.splice(0)) await dropPrefix(clients[0], p);
  });
  afterAll(async () => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  it('when two replicas accept the same run id at once, then exactly one accepts it and the other sees a duplicate', async () => {
    const a = await open();
    const b = await open(a.prefix);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).store.accept(newRun('r_same'), 1000, 0)));
    expect(answers.filter((x) => x === 'accepted')).toHaveLength(1);
    expect(answers.filter((x) => x === 'duplicate')).toHaveLength(19);
    expect((await b.store.get('r_same'))?.invocation).toEqual(invocation('r_same'));
  });

  it('when a run finished, then its record expires after DEDUPE_TTL_HOURS and a redelivery until then is a duplicate', async () => {
    const { store, redis, prefix } = await open(testPrefix('ttl'), 2);
    await store.accept(newRun('r_1'), 1000, 0);
    expect(await redis.ttl(redisKeys(prefix).run('r_1'))).toBe(-1); // an unfinished run never expires
    await store.claim('r_1', 'w1', 1001);
    expect(await store.recordFinal('r_1', { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, 1002, 'w1')).toBe(true);
    const ttl = await redis.ttl(redisKeys(prefix).run('r_1'));
    expect(ttl).toBeGreaterThan(2 * 3600 - 5);
    expect(ttl).toBeLessThanOrEqual(2 * 3600);
    expect(await store.accept(newRun('r_1'), 2000, 0)).toBe('duplicate');
  });

  it('when MAX_QUEUED_RUNS runs wait, then the next accept is full and nothing of it is stored', async () => {
    const { store } = await open();
    expect(await store.accept(newRun('r_1'), 1, 2)).toBe('accepted');
    expect(await store.accept(newRun('r_2'), 2, 2)).toBe('accepted');
    expect(await store.accept(newRun('r_3'), 3, 2)).toBe('full');
    expect(await store.stateOf('r_3')).toBeUndefined();
    await store.claim('r_1', 'w', 4); // started: no longer waiting
    expect(await store.accept(newRun('r_3'), 5, 2)).toBe('accepted');
  });

  it('when a second worker claims a running run, then it is told interrupted and the first worker is fenced off', async () => {
    const { store } = await open();
    await store.accept(newRun('r_1'), 1000, 0);
    expect(await store.claim('r_1', 'w1', 1001)).toBe('started');
    expect(await store.appendOp('r_1', { kind: 'log', message: 'step 1' }, 1002, 'w1')).toBeGreaterThan(0);
    expect(await store.claim('r_1', 'w2', 1003)).toBe('interrupted');
    expect(await store.interruptions('r_1')).toBe(1);
    await expect(store.appendOp('r_1', { kind: 'log', message: 'zombie' }, 1004, 'w1')).rejects.toMatchObject({ code: 'run_fenced' });
    await expect(store.recordFinal('r_1', { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, 1005, 'w1')).rejects.toMatchObject({
      code: 'run_fenced',
    });
    expect(await store.lastLog('r_1')).toBe('step 1');
    expect(await store.recordFinal('r_1', { status: 'FAILURE', label: 'interrupted' }, { kind: 'final', status: 'FAILURE', label: 'interrupted' }, 1006, 'w2')).toBe(true);
    expect(await store.claim('r_1', 'w3', 1007)).toBe('finished');
    expect((await store.pendingOps('r_1')).map((e) => e.op)).toEqual([
      { kind: 'log', message: 'step 1' },
      { kind: 'final', status: 'FAILURE', label: 'interrupted' },
    ]);
    expect(await store.get('r_1')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: 'interrupted' });
  });

  it('when a final status is recorded twice, then the first stands and only one final op is owed', async () => {
    const { store } = await open();
    await store.accept(newRun('r_1'), 1000, 0);
    await store.claim('r_1', 'w1', 1001);
    expect(await store.recordFinal('r_1', { status: 'SUCCESS', label: '' }, { kind: 'final', status: 'SUCCESS', label: '' }, 1002, 'w1')).toBe(true);
    expect(await store.recordFinal('r_1', { status: 'FAILURE', label: 'x' }, { kind: 'final', status: 'FAILURE', label: 'x' }, 1003, 'w1')).toBe(false);
    expect(await store.get('r_1')).toMatchObject({ finalStatus: 'SUCCESS', finalLabel: '' });
    expect((await store.pendingOps('r_1')).filter((e) => e.op.kind === 'final')).toHaveLength(1);
    expect(await store.countRuns('running')).toBe(0);
  });

  it('when ops are appended without awaiting, then they are owed in call order, and completing them clears the run', async () => {
    const { store } = await open();
    await store.accept(newRun('r_1'), 1000, 0);
    await store.claim('r_1', 'w1', 1001);
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendOp('r_1', { kind: 'log', message: `line ${i}` }, 1002 + i, 'w1')));
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    const pending = await store.pendingOps('r_1');
    expect(pending.map((e) => (e.op.kind === 'log' ? e.op.message : ''))).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
    expect(await store.runsWithPendingOps()).toEqual(['r_1']);
    expect(await store.countPendingOps()).toBe(50);
    await store.noteAttempt('r_1', seqs[0], 'Port answered 503');
    expect((await store.pendingOps('r_1'))[0].attempts).toBe(1);
    await store.completeOps('r_1', seqs.slice(0, 10), { ok: true }, 2000);
    await store.completeOps('r_1', seqs.slice(0, 10), { ok: true }, 2000); // twice: counted once
    expect(await store.countPendingOps()).toBe(40);
    await store.completeOps('r_1', seqs.slice(10), { ok: false, error: 'refused' }, 2001);
    expect(await store.pendingOps('r_1')).toEqual([]);
    expect(await store.runsWithPendingOps()).toEqual([]);
    expect(await store.countPendingOps()).toBe(0);
  });

  it('when one replica holds a run outbox lease, then another gets it only after it expires or is released', async () => {
    const a = await open();
    const b = await open(a.prefix);
    expect(await a.store.leaseOutbox('r_1', 'A', 300)).toBe(true);
    expect(await b.store.leaseOutbox('r_1', 'B', 300)).toBe(false);
    expect(await a.store.leaseOutbox('r_1', 'A', 300)).toBe(true); // renewed
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await b.store.leaseOutbox('r_1', 'B', 10_000)).toBe(true);
    await a.store.releaseOutbox('r_1', 'A'); // not A's any more: no effect
    expect(await a.store.leaseOutbox('r_1', 'A', 300)).toBe(false);
    await b.store.releaseOutbox('r_1', 'B');
    expect(await a.store.leaseOutbox('r_1', 'A', 300)).toBe(true);
  });

  it('when runs are listed by state, then they come oldest first with their records', async () => {
    const { store } = await open();
    await store.accept(newRun('r_b'), 2000, 0);
    await store.accept(newRun('r_a'), 1000, 0);
    await store.accept(newRun('r_c'), 3000, 0);
    await store.claim('r_c', 'w', 3100);
    expect((await store.listRuns('queued')).map((r) => r.runId)).toEqual(['r_a', 'r_b']);
    expect((await store.listRuns('running')).map((r) => [r.runId, r.state, r.startedAt])).toEqual([['r_c', 'running', 3100]]);
    expect(await store.countRuns('queued')).toBe(2);
  });
});
