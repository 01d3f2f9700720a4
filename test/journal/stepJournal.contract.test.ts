// One contract for every step journal: the same cases against the SQLite journal (beside the SQLite run
// store) and the Redis one (beside the Redis run store). Reports are appended through each store's own
// appendOp / recordFinal, because that is where "which reports were made" is journaled.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { AsyncRunStore } from '../../src/journal/asyncStore.js';
import { createRedisStepJournal } from '../../src/journal/redis/redisStepJournal.js';
import { createRedisStore, redisKeys } from '../../src/journal/redis/redisStore.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStepJournal } from '../../src/journal/sqliteStepJournal.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import type { StepJournal } from '../../src/journal/stepJournal.js';
import type { Invocation } from '../../src/normalize/invocation.js';
import { describeRedis, dropPrefix, redisClient, testPrefix } from '../redisKit.js';

interface Harness {
  store: AsyncRunStore;
  journal: StepJournal;
}

const invocation = (runId: string): Invocation => ({ runId, action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} });

/** A run accepted and claimed by worker w1, as the dispatcher leaves it before the handler starts. */
async function started(h: Harness, runId: string): Promise<void> {
  expect(await h.store.accept({ runId, action: 'deploy', invocation: invocation(runId), synchronized: false }, 1000, 0)).toBe('accepted');
  expect(await h.store.claim(runId, 'w1', 1001)).toBe('started');
}

async function deliverAll(store: AsyncRunStore, runId: string): Promise<void> {
  const seqs = (await store.pendingOps(runId)).map((e) => e.seq);
  await store.completeOps(runId, seqs, { ok: true }, 3000);
  expect(await store.pendingOps(runId)).toEqual([]);
}

function contract(open: () => Promise<Harness>): void {
  it('when steps are journaled, then finishedSteps gives back each result, null for a step that returned nothing', async () => {
    const h = await open();
    await started(h, 'r1');
    await h.journal.recordStep('r1', 'create-repo', '{"url":"https://git/x"}', 2000);
    await h.journal.recordStep('r1', 'notify', null, 2001);
    await h.journal.recordStep('r1', 'nothing-found', 'null', 2002);
    expect(await h.journal.finishedSteps('r1')).toEqual(
      new Map<string, string | null>([
        ['create-repo', '{"url":"https://git/x"}'],
        ['notify', null],
        ['nothing-found', 'null'],
      ]),
    );
  });

  it('when a step key is journaled twice, then the first result stands', async () => {
    const h = await open();
    await started(h, 'r1');
    await h.journal.recordStep('r1', 'k', '1', 2000);
    await h.journal.recordStep('r1', 'k', '2', 2001);
    expect(await h.journal.finishedSteps('r1')).toEqual(new Map([['k', '1']]));
  });

  it('when two runs journal the same step key, then each run sees only its own', async () => {
    const h = await open();
    await started(h, 'r1');
    await started(h, 'r2');
    await h.journal.recordStep('r1', 'k', '"one"', 2000);
    expect(await h.journal.finishedSteps('r2')).toEqual(new Map());
    await h.store.appendOp('r1', { kind: 'log', message: 'x', callId: 'top#0' }, 2001, 'w1');
    expect((await h.journal.reportedCalls('r2')).answers.size).toBe(0);
  });

  it('when a run made no reports, then reportedCalls is empty with no links', async () => {
    const h = await open();
    await started(h, 'r1');
    expect(await h.journal.reportedCalls('r1')).toEqual({ answers: new Map(), links: [] });
  });

  it('when ops carrying call ids are appended, then reportedCalls lists exactly those, also after they were delivered', async () => {
    const h = await open();
    await started(h, 'r1');
    await h.store.appendOp('r1', { kind: 'log', message: 'cloning', callId: 'top#0' }, 2000, 'w1');
    await h.store.appendOp('r1', { kind: 'log', message: 'untagged' }, 2001, 'w1');
    await h.store.appendOp('r1', { kind: 'entity.create', blueprint: 'svc', entity: { identifier: 'e' }, query: {}, callId: 'step:a#0' }, 2002, 'w1');
    const before = await h.journal.reportedCalls('r1');
    expect([...before.answers.keys()].sort()).toEqual(['step:a#0', 'top#0']);
    await deliverAll(h.store, 'r1');
    const after = await h.journal.reportedCalls('r1');
    expect([...after.answers.keys()].sort()).toEqual(['step:a#0', 'top#0']);
    expect(after.answers.get('top#0')).toEqual({});
  });

  it('when run PATCHes sent links, then links is the list last sent, also after delivery and a later PATCH without links', async () => {
    const h = await open();
    await started(h, 'r1');
    await h.store.appendOp('r1', { kind: 'patch', body: { link: ['https://a'] }, callId: 'top#0' }, 2000, 'w1');
    await h.store.appendOp('r1', { kind: 'patch', body: { link: ['https://a', 'https://b'] }, callId: 'step:s#0' }, 2001, 'w1');
    await deliverAll(h.store, 'r1');
    await h.store.appendOp('r1', { kind: 'patch', body: { summary: 'half way' }, callId: 'top#1' }, 2002, 'w1');
    const calls = await h.journal.reportedCalls('r1');
    expect(calls.links).toEqual(['https://a', 'https://b']);
    expect([...calls.answers.keys()].sort()).toEqual(['step:s#0', 'top#0', 'top#1']);
  });

  it("when Port's answer to an entity write is recorded, then reportedCalls returns it with that call only", async () => {
    const h = await open();
    await started(h, 'r1');
    await h.store.appendOp('r1', { kind: 'entity.create', blueprint: 'svc', entity: { identifier: 'e' }, query: {}, callId: 'step:a#0' }, 2000, 'w1');
    await h.store.appendOp('r1', { kind: 'log', message: 'made it', callId: 'step:a#1' }, 2001, 'w1');
    await deliverAll(h.store, 'r1');
    await h.journal.recordAnswer('r1', 'step:a#0', '{"identifier":"e","title":"E"}', 3001);
    const calls = await h.journal.reportedCalls('r1');
    expect(calls.answers.get('step:a#0')).toEqual({ answer: { identifier: 'e', title: 'E' } });
    expect(calls.answers.get('step:a#1')).toEqual({});
  });

  it('when an answer is recorded for a call that was never journaled, then that call is not counted as reported', async () => {
    const h = await open();
    await started(h, 'r1');
    await h.journal.recordAnswer('r1', 'top#7', '{"identifier":"e"}', 3000);
    expect((await h.journal.reportedCalls('r1')).answers.has('top#7')).toBe(false);
  });

  it("when a fenced worker's append is refused, then its call id is not counted as reported", async () => {
    const h = await open();
    await started(h, 'r1');
    expect(await h.store.claim('r1', 'w2', 1500)).toBe('interrupted');
    await expect(h.store.appendOp('r1', { kind: 'patch', body: { link: ['https://zombie'] }, callId: 'top#0' }, 2000, 'w1')).rejects.toMatchObject({
      code: 'run_fenced',
    });
    expect(await h.journal.reportedCalls('r1')).toEqual({ answers: new Map(), links: [] });
  });

  it('when the final status is journaled with a call id, then that call is counted as reported', async () => {
    const h = await open();
    await started(h, 'r1');
    expect(await h.store.recordFinal('r1', { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS', callId: 'top#3' }, 2000, 'w1')).toBe(true);
    await deliverAll(h.store, 'r1');
    expect([...(await h.journal.reportedCalls('r1')).answers.keys()]).toEqual(['top#3']);
  });

  it('when resumes are noted, then they count up, keep the first start and clear the paused mark', async () => {
    const h = await open();
    await started(h, 'r1');
    expect(await h.journal.resumeState('r1')).toEqual({ resumes: 0, firstStartedAt: null, paused: false });
    await h.journal.notePaused('r1', 5);
    expect(await h.journal.resumeState('r1')).toEqual({ resumes: 0, firstStartedAt: null, paused: true });
    expect(await h.journal.noteResume('r1', 100, 6)).toBe(1);
    expect(await h.journal.resumeState('r1')).toEqual({ resumes: 1, firstStartedAt: 100, paused: false });
    await h.journal.notePaused('r1', 7);
    expect(await h.journal.noteResume('r1', 200, 8)).toBe(2);
    expect(await h.journal.resumeState('r1')).toEqual({ resumes: 2, firstStartedAt: 100, paused: false });
  });

  it('when the first resume does not know the first start, then a later one fills it in', async () => {
    const h = await open();
    await started(h, 'r1');
    expect(await h.journal.noteResume('r1', null, 6)).toBe(1);
    expect((await h.journal.resumeState('r1')).firstStartedAt).toBeNull();
    expect(await h.journal.noteResume('r1', 300, 7)).toBe(2);
    expect((await h.journal.resumeState('r1')).firstStartedAt).toBe(300);
  });

  it('when replicas note resumes of one run at once, then every count is handed out once', async () => {
    const h = await open();
    await started(h, 'r1');
    const counts = await Promise.all(Array.from({ length: 10 }, (_, i) => h.journal.noteResume('r1', 100 + i, 10 + i)));
    expect([...counts].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await h.journal.resumeState('r1')).resumes).toBe(10);
  });
}

describe('step journal contract: SQLite', () => {
  const stores: AsyncRunStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  contract(async () => {
    const sync = openSqliteStore({ path: ':memory:' });
    const store = sqliteAsyncStore({ store: sync });
    stores.push(store);
    return { store, journal: openSqliteStepJournal(sync.database) };
  });
});

describeRedis('step journal contract: Redis', () => {
  // Opened here, not at collection: a skipped suite (no Redis) must not try to connect.
  let redis: Redis;
  const prefixes: string[] = [];
  beforeAll(async () => {
    redis = redisClient();
    await redis.ping();
  });
  async function openRedis(dedupeTtlHours = 168): Promise<Harness & { prefix: string }> {
    const prefix = testPrefix('steps');
    prefixes.push(prefix);
    return { store: createRedisStore({ redis, prefix, dedupeTtlHours }), journal: createRedisStepJournal({ redis, prefix, dedupeTtlHours }), prefix };
  }
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await dropPrefix(redis, p);
  });
  afterAll(() => {
    redis?.disconnect();
  });

  contract(() => openRedis());

  describe('expiry with the run record', () => {
    const ttls = (prefix: string, runId: string) => {
      const k = redisKeys(prefix);
      return Promise.all([k.run(runId), k.steps(runId), k.calls(runId), k.resumes(runId)].map((key) => redis.ttl(key)));
    };

    it('when the run is finalized, then its step keys expire DEDUPE_TTL_HOURS later, like the run record, and not before', async () => {
      const h = await openRedis(2);
      await started(h, 'r1');
      await h.journal.recordStep('r1', 'k', '1', 2000);
      await h.store.appendOp('r1', { kind: 'log', message: 'x', callId: 'top#0' }, 2001, 'w1');
      await h.journal.noteResume('r1', 1001, 2002);
      expect(await ttls(h.prefix, 'r1')).toEqual([-1, -1, -1, -1]); // an unfinished run's journal never expires
      expect(await h.store.recordFinal('r1', { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, 3000, 'w1')).toBe(true);
      for (const ttl of await ttls(h.prefix, 'r1')) {
        expect(ttl).toBeGreaterThan(2 * 3600 - 5);
        expect(ttl).toBeLessThanOrEqual(2 * 3600);
      }
    });

    it("when the journal is written after the final status, then the written key keeps to the run record's expiry", async () => {
      const h = await openRedis(2);
      await started(h, 'r1');
      expect(await h.store.recordFinal('r1', { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, 3000, 'w1')).toBe(true);
      // As if most of the dedupe window had passed: the record has a minute left.
      await redis.expire(redisKeys(h.prefix).run('r1'), 60);
      // An entity write's answer arrives while the outbox drains; no journal key existed before.
      await h.journal.recordAnswer('r1', 'top#0', '{}', 3001);
      await h.journal.recordStep('r1', 'late', '1', 3002);
      await h.journal.notePaused('r1', 3003);
      const [, ...journal] = await ttls(h.prefix, 'r1');
      for (const ttl of journal) {
        expect(ttl).toBeGreaterThan(55);
        expect(ttl).toBeLessThanOrEqual(60);
      }
    });

    it('when the run record is gone, then a journal write still expires within DEDUPE_TTL_HOURS', async () => {
      const h = await openRedis(2);
      await h.journal.recordStep('r_gone', 'k', '1', 2000);
      const [, steps] = await ttls(h.prefix, 'r_gone');
      expect(steps).toBeGreaterThan(2 * 3600 - 5);
      expect(steps).toBeLessThanOrEqual(2 * 3600);
    });
  });
});
