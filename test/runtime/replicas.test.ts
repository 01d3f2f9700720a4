// Two replicas in one process, each with its own connections, on one Redis: the store, the BullMQ queue
// and the claim together — what the dispatcher will do per delivery and per job.
import { afterEach, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisStore } from '../../src/journal/redis/redisStore.js';
import type { AsyncRunStore } from '../../src/journal/asyncStore.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { createRegistry } from '../../src/registry/registry.js';
import { createBullRunQueue, type BullRunQueue } from '../../src/runtime/bullRunQueue.js';
import { createClaimRun } from '../../src/runtime/claimRun.js';
import { describeRedis, dropPrefix, redisClient, testPrefix } from '../redisKit.js';

const registry = createRegistry([defineHandler({ action: 'deploy', run: async () => {} })]);

describeRedis('replicas on one Redis', () => {
  const clients: Redis[] = [];
  const queues: BullRunQueue[] = [];
  let prefix = '';
  const client = async () => {
    const c = redisClient();
    await c.ping();
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    await dropPrefix(clients[0], prefix);
    for (const c of clients.splice(0)) c.disconnect();
  });

  async function replica(executions: string[]) {
    const store: AsyncRunStore = createRedisStore({ redis: await client(), prefix, dedupeTtlHours: 1 });
    const queue = createBullRunQueue({ redis: await client(), prefix, logger: silentLogger(), concurrency: 8, lockDurationMs: 30_000, stallIntervalMs: 30_000 });
    queues.push(queue);
    const claim = createClaimRun({
      store,
      registry,
      clock: systemClock,
      logger: silentLogger(),
      execute: async (record, fence) => {
        executions.push(record.runId);
        await store.recordFinal(record.runId, { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, Date.now(), fence);
      },
    });
    queue.startWorker(async (runId, fence) => void (await claim(runId, fence)), await client());
    /** The delivery path: journal (with the duplicate check), then queue. */
    const deliver = async (runId: string) => {
      const answer = await store.accept({ runId, action: 'deploy', invocation: { runId, action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} }, synchronized: false }, Date.now(), 0);
      if (answer === 'accepted') await queue.submit(runId);
      return answer;
    };
    return { store, deliver };
  }

  it('when every delivery reaches two replicas, some at once, then each run is accepted once and executed once, and a late redelivery is a duplicate', async () => {
    prefix = testPrefix('replicas');
    const executions: string[] = [];
    const a = await replica(executions);
    const b = await replica(executions);
    const ids = Array.from({ length: 60 }, (_, i) => `r_${i}`);
    const answers = await Promise.all(ids.flatMap((id, i) => (i % 3 === 0 ? [a.deliver(id), b.deliver(id)] : [(i % 2 ? a : b).deliver(id)])));
    // the rest redelivered after the first answer, to the other replica
    const late = await Promise.all(ids.map((id, i) => (i % 3 === 0 ? Promise.resolve('duplicate') : (i % 2 ? b : a).deliver(id))));
    expect(answers.filter((x) => x === 'accepted')).toHaveLength(ids.length);
    expect(late.every((x) => x === 'duplicate')).toBe(true);

    const deadline = Date.now() + 15_000;
    while ((await a.store.countRuns('queued')) + (await a.store.countRuns('running')) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect([...executions].sort()).toEqual([...ids].sort());
    // the job is gone (removed on completion); the run record still dedupes
    expect(await b.deliver('r_0')).toBe('duplicate');
    expect(await a.store.get('r_0')).toMatchObject({ state: 'finished', finalStatus: 'SUCCESS' });
  });
});
