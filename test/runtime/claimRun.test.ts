import { afterAll, afterEach, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisStore } from '../../src/journal/redis/redisStore.js';
import type { AsyncRunStore, RunRecord } from '../../src/journal/asyncStore.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { createRegistry } from '../../src/registry/registry.js';
import { createClaimRun } from '../../src/runtime/claimRun.js';
import { describeRedis, dropPrefix, redisClient, testPrefix } from '../redisKit.js';

const registry = createRegistry([
  defineHandler({ action: 'deploy', run: async () => {} }),
  defineHandler({ action: 'idempotent', retryOnRestart: true, run: async () => {} }),
]);

function newRun(runId: string, action: string) {
  return { runId, action, invocation: { runId, action, blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} }, synchronized: false };
}

describeRedis('claiming a run on the shared store', () => {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  async function store(prefix: string): Promise<AsyncRunStore> {
    const redis = redisClient();
    await redis.ping();
    clients.push(redis);
    prefixes.push(prefix);
    return createRedisStore({ redis, prefix, dedupeTtlHours: 1 });
  }
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await dropPrefix(clients[0], p);
  });
  afterAll(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  function worker(s: AsyncRunStore) {
    const executed: Array<{ runId: string; fence: string | null }> = [];
    const claim = createClaimRun({
      store: s,
      registry,
      clock: systemClock,
      logger: silentLogger(),
      execute: async (record: RunRecord, fence) => void executed.push({ runId: record.runId, fence }),
    });
    return { claim, executed };
  }

  it('when a worker takes over a run whose worker died mid-run, then it finalizes it FAILURE with the last progress and fences the dead one off', async () => {
    const prefix = testPrefix('claim');
    const a = await store(prefix);
    const b = await store(prefix);
    await a.accept(newRun('r_1', 'deploy'), 1000, 0);
    const dead = worker(a);
    expect(await dead.claim('r_1', 'token-a')).toBe('executed');
    await a.appendOp('r_1', { kind: 'log', message: 'created the repository' }, 1001, 'token-a');

    const survivor = worker(b);
    expect(await survivor.claim('r_1', 'token-b')).toBe('interrupted');
    expect(survivor.executed).toEqual([]); // the handler is never run a second time
    expect(await b.get('r_1')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: 'interrupted: created the repository' });
    expect((await b.pendingOps('r_1')).map((e) => e.op)).toEqual([
      { kind: 'log', message: 'created the repository' },
      { kind: 'final', status: 'FAILURE', label: 'interrupted: created the repository' },
    ]);
    await expect(a.appendOp('r_1', { kind: 'log', message: 'late' }, 1002, 'token-a')).rejects.toMatchObject({ code: 'run_fenced' });
    expect(await survivor.claim('r_1', 'token-c')).toBe('already-finished');
  });

  it('when the dead worker ran a retryOnRestart handler, then the run is executed again under the new fence', async () => {
    const prefix = testPrefix('claim');
    const s = await store(prefix);
    await s.accept(newRun('r_2', 'idempotent'), 1000, 0);
    await worker(s).claim('r_2', 'token-a');
    const survivor = worker(s);
    expect(await survivor.claim('r_2', 'token-b')).toBe('rerun');
    expect(survivor.executed).toEqual([{ runId: 'r_2', fence: 'token-b' }]);
    expect(await s.stateOf('r_2')).toBe('running');
  });
});
