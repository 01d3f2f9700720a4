// The step journal on Redis, beside the Redis run store, so a run resumed by another replica finds what
// earlier executions finished. Which reports were already made cannot be read back from the outbox as on
// SQLite (delivered ops are dropped from Redis): the store's append script journals each op's call id and
// the link list it sends into P:calls:<id> in the same script that appends the op, so "reported" and
// "journaled" never disagree after a crash. This module reads that key and writes the rest.
//
// Keys (P = REDIS_PREFIX, see scripts.ts): P:steps:<id> hash (step key → result JSON, '' for none);
// P:calls:<id> hash (c:<callId> → 1, a:<callId> → Port's answer, links → the last link list);
// P:resumes:<id> hash (n, first, paused). Each expires with the run record.
import type { Redis } from 'ioredis';
import type { ReportedCalls, ResumeState, StepJournal } from '../stepJournal.js';
import { redisKeys } from './redisStore.js';
import { FOLLOW_RUN_TTL } from './scripts.js';

export interface RedisStepJournalOptions {
  redis: Redis;
  prefix: string;
  /** The run record's TTL after it finished; a journal key written when the record is gone gets this one. */
  dedupeTtlHours: number;
}

/** Writes as scripts: each write and the expiry it takes from the run record are one step. */
const SCRIPTS = {
  /** KEYS run, steps · ARGV key, result ('' = none), fallbackTtl → 1 journaled, 0 the key had a result */
  recordStep: {
    numberOfKeys: 2,
    lua: `${FOLLOW_RUN_TTL}
local n = redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
followRun(KEYS[1], KEYS[2], ARGV[3])
return n`,
  },
  /** KEYS run, calls · ARGV callId, answerJson, fallbackTtl */
  recordAnswer: {
    numberOfKeys: 2,
    lua: `${FOLLOW_RUN_TTL}
redis.call('HSET', KEYS[2], 'a:' .. ARGV[1], ARGV[2])
followRun(KEYS[1], KEYS[2], ARGV[3])
return 1`,
  },
  /** KEYS run, resumes · ARGV firstStartedAt ('' = unknown), fallbackTtl → the resume count */
  noteResume: {
    numberOfKeys: 2,
    lua: `${FOLLOW_RUN_TTL}
local n = redis.call('HINCRBY', KEYS[2], 'n', 1)
redis.call('HDEL', KEYS[2], 'paused')
if ARGV[1] ~= '' then redis.call('HSETNX', KEYS[2], 'first', ARGV[1]) end
followRun(KEYS[1], KEYS[2], ARGV[2])
return n`,
  },
  /** KEYS run, resumes · ARGV now, fallbackTtl */
  notePaused: {
    numberOfKeys: 2,
    lua: `${FOLLOW_RUN_TTL}
redis.call('HSET', KEYS[2], 'paused', ARGV[1])
followRun(KEYS[1], KEYS[2], ARGV[2])
return 1`,
  },
} as const;

type Call = (...args: (string | number)[]) => Promise<unknown>;

export function createRedisStepJournal(opts: RedisStepJournalOptions): StepJournal {
  const { redis } = opts;
  const k = redisKeys(opts.prefix);
  const fallbackTtl = Math.round(opts.dedupeTtlHours * 3600);
  for (const [name, s] of Object.entries(SCRIPTS)) {
    if (!(`runner_steps_${name}` in redis)) redis.defineCommand(`runner_steps_${name}`, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  const scripted = redis as unknown as Record<string, Call>;
  const run = (name: keyof typeof SCRIPTS, ...args: (string | number)[]) => scripted[`runner_steps_${name}`](...args);

  return {
    async finishedSteps(runId) {
      const h = await redis.hgetall(k.steps(runId));
      return new Map(Object.entries(h).map(([key, v]) => [key, v === '' ? null : v]));
    },
    async recordStep(runId, key, resultJson) {
      // '' is never JSON, so it can stand for "no result" without colliding with a step that returned null.
      await run('recordStep', k.run(runId), k.steps(runId), key, resultJson ?? '', fallbackTtl);
    },
    async reportedCalls(runId): Promise<ReportedCalls> {
      const h = await redis.hgetall(k.calls(runId));
      const answers = new Map<string, { answer?: unknown }>();
      for (const field of Object.keys(h)) {
        if (!field.startsWith('c:')) continue;
        const callId = field.slice(2);
        const answer = h[`a:${callId}`];
        answers.set(callId, answer === undefined ? {} : { answer: JSON.parse(answer) as unknown });
      }
      return { answers, links: h.links === undefined ? [] : (JSON.parse(h.links) as string[]) };
    },
    async recordAnswer(runId, callId, answerJson) {
      await run('recordAnswer', k.run(runId), k.calls(runId), callId, answerJson, fallbackTtl);
    },
    async resumeState(runId): Promise<ResumeState> {
      const [n, first, paused] = await redis.hmget(k.resumes(runId), 'n', 'first', 'paused');
      return { resumes: n === null ? 0 : Number(n), firstStartedAt: first === null ? null : Number(first), paused: paused !== null };
    },
    async noteResume(runId, firstStartedAt) {
      return Number(await run('noteResume', k.run(runId), k.resumes(runId), firstStartedAt === null ? '' : firstStartedAt, fallbackTtl));
    },
    async notePaused(runId, now) {
      await run('notePaused', k.run(runId), k.resumes(runId), now, fallbackTtl);
    },
  };
}
