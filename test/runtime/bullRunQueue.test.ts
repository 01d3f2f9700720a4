import { afterEach, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createBullRunQueue, jobIdFor, type BullRunQueue } from '../../src/runtime/bullRunQueue.js';
import { memoryLogger } from '../reporter/memoryLogger.js';
import { describeRedis, dropPrefix, redisClient, testPrefix } from '../redisKit.js';

describe('jobIdFor', () => {
  it('when a run id has a colon, a percent sign or only digits, then the job id escapes it and stays distinct', () => {
    expect(jobIdFor('r_abc-1')).toBe('r_abc-1');
    expect(jobIdFor('a:b')).toBe('a%3Ab');
    expect(jobIdFor('12345')).toBe('%d12345');
    const ids = ['a:b', 'a%3Ab', '12345', '%d12345', '%25', '%'];
    expect(new Set(ids.map(jobIdFor)).size).toBe(ids.length);
    for (const id of ids) expect(jobIdFor(id)).not.toMatch(/:|^\d+$/);
  });
});

describeRedis('BullMQ run queue', () => {
  const clients: Redis[] = [];
  const queues: BullRunQueue[] = [];
  let prefix = '';
  const client = () => {
    const c = redisClient();
    clients.push(c);
    return c;
  };
  function replica(o: { lockDurationMs?: number; stallIntervalMs?: number; concurrency?: number } = {}): BullRunQueue {
    const q = createBullRunQueue({
      redis: client(),
      prefix,
      logger: memoryLogger().logger,
      concurrency: o.concurrency ?? 4,
      lockDurationMs: o.lockDurationMs ?? 30_000,
      stallIntervalMs: o.stallIntervalMs ?? 30_000,
    });
    queues.push(q);
    return q;
  }

  afterEach(async () => {
    // A "dead" replica's worker cannot close cleanly (its connection is gone): do not wait on it forever.
    for (const q of queues.splice(0)) await Promise.race([q.close(true).catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    const c = redisClient();
    await dropPrefix(c, prefix);
    c.disconnect();
    for (const x of clients.splice(0)) x.disconnect();
  });

  it('when every run is submitted twice to two replicas, then each is worked on once', async () => {
    prefix = testPrefix('bull');
    const a = replica();
    const b = replica();
    const worked: string[] = [];
    const work = async (runId: string) => {
      worked.push(runId);
    };
    const ids = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? `${i}` : `r:${i}`));
    await Promise.all(ids.flatMap((id) => [a.submit(id), b.submit(id)]));
    a.startWorker(work, client());
    b.startWorker(work, client());
    const deadline = Date.now() + 15_000;
    while (worked.length < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200)); // a second execution would show up here
    expect([...worked].sort()).toEqual([...ids].sort());
  });

  it('when the replica executing a run stops renewing its lock, then another worker gets the run with a new fence', async () => {
    prefix = testPrefix('stall');
    const timing = { lockDurationMs: 800, stallIntervalMs: 400 };
    const dying = replica(timing);
    const seen: Array<{ who: string; runId: string; fence: string }> = [];
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const startedP = new Promise<void>((resolve) => (started = resolve));
    const dyingConnection = client();
    dying.startWorker(async (runId, fence) => {
      seen.push({ who: 'dying', runId, fence });
      started();
      await hung;
    }, dyingConnection);
    await dying.submit('r_stalled');
    await startedP;
    // The replica "dies": its connection is gone, so nothing renews the job's lock any more.
    dyingConnection.disconnect();

    const survivor = replica(timing);
    let taken!: () => void;
    const takenP = new Promise<void>((resolve) => (taken = resolve));
    survivor.startWorker(async (runId, fence) => {
      seen.push({ who: 'survivor', runId, fence });
      taken();
    }, client());
    await takenP;
    release();
    expect(seen.map((s) => [s.who, s.runId])).toEqual([
      ['dying', 'r_stalled'],
      ['survivor', 'r_stalled'],
    ]);
    expect(seen[1].fence).not.toBe(seen[0].fence);
  }, 20_000);
});
