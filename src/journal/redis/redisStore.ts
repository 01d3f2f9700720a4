// The store on Redis, for N replicas: run records (which double as dedupe records, kept
// DEDUPE_TTL_HOURS after the run finished), each run's ordered outbox, and the fences and leases that
// keep two replicas from executing or reporting one run at once. Multi-key steps are Lua scripts.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CodedError } from '../../errors.js';
import type { FinalStatus } from '../../port/types.js';
import { decodeInvocation, encodeInvocation } from '../invocationJson.js';
import type { AsyncRunStore, ClaimVerdict, OutboxEntry, OutboxOp, RunRecord, RunState } from '../asyncStore.js';
import { SCRIPTS, type ScriptName } from './scripts.js';

export interface RedisStoreOptions {
  redis: Redis;
  prefix: string;
  dedupeTtlHours: number;
  /** True while the connection is up: calls on the delivery path fail fast instead of waiting. */
  isUp?: () => boolean;
  /** How long a call on the delivery path may wait for Redis before the delivery gets 503. */
  fastCallTimeoutMs?: number;
}

type Scripted = Record<string, (...args: (string | number)[]) => Promise<unknown>>;

export function redisKeys(prefix: string) {
  return {
    run: (id: string) => `${prefix}:run:${id}`,
    ops: (id: string) => `${prefix}:ops:${id}`,
    pend: (id: string) => `${prefix}:pend:${id}`,
    outboxLease: (id: string) => `${prefix}:olease:${id}`,
    idx: (state: 'queued' | 'running') => `${prefix}:idx:${state}`,
    pendRuns: `${prefix}:pend-runs`,
    seq: `${prefix}:seq`,
    pendCount: `${prefix}:pend-count`,
    // The step journal's (redisStepJournal.ts); recordFinal sets their TTL with the run record's.
    steps: (id: string) => `${prefix}:steps:${id}`,
    calls: (id: string) => `${prefix}:calls:${id}`,
    resumes: (id: string) => `${prefix}:resumes:${id}`,
  };
}

/**
 * What the step journal needs to know about an op, journaled by the script that appends it: the call id
 * that made it, and the link list a run PATCH sends (Port overwrites the whole list each time).
 */
function journalArgs(op: OutboxOp | null): [callId: string, linksJson: string] {
  if (op === null) return ['', ''];
  const link = op.kind === 'patch' ? op.body.link : undefined;
  return [op.callId ?? '', link === undefined ? '' : JSON.stringify(Array.isArray(link) ? link : [link])];
}

function unavailable(err: unknown): CodedError {
  return new CodedError('store_unavailable', `the run store (Redis) cannot be used: ${err instanceof Error ? err.message : String(err)}`, undefined, {
    cause: err,
  });
}

function toRecord(runId: string, h: Record<string, string>): RunRecord | undefined {
  if (!h.state) return undefined;
  const num = (v: string | undefined) => (v === undefined ? null : Number(v));
  return {
    runId,
    action: h.action === '' ? null : (h.action ?? null),
    invocation: decodeInvocation(h.invocation),
    synchronized: h.sync === '1',
    state: h.state as RunState,
    acceptedAt: Number(h.acceptedAt),
    startedAt: num(h.startedAt),
    finishedAt: num(h.finishedAt),
    finalStatus: (h.finalStatus as FinalStatus | undefined) ?? null,
    finalLabel: h.finalLabel ?? null,
    ...(h.result === undefined ? {} : { result: JSON.parse(h.result) as unknown }),
  };
}

export function createRedisStore(opts: RedisStoreOptions): AsyncRunStore {
  const { redis } = opts;
  const k = redisKeys(opts.prefix);
  const ttlSeconds = Math.round(opts.dedupeTtlHours * 3600);
  const fastTimeoutMs = opts.fastCallTimeoutMs ?? 2000;
  const isUp = opts.isUp ?? (() => redis.status === 'ready');
  // Named apart from Redis' own commands (APPEND exists); defined once per connection.
  for (const [name, s] of Object.entries(SCRIPTS)) {
    if (!(`runner_${name}` in redis)) redis.defineCommand(`runner_${name}`, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  const scripted = redis as unknown as Scripted;
  const run = Object.fromEntries(Object.keys(SCRIPTS).map((name) => [name, (...args: (string | number)[]) => scripted[`runner_${name}`](...args)])) as {
    [K in ScriptName]: (...args: (string | number)[]) => Promise<unknown>;
  };
  // Client op ids make an append resent after a reconnect land once.
  const cidBase = randomUUID();
  let cidSeq = 0;
  const cid = () => `${cidBase}.${++cidSeq}`;

  /** The delivery path answers 503 at once when Redis is away, instead of queueing the call. */
  async function fast<T>(call: () => Promise<T>): Promise<T> {
    if (!isUp()) throw unavailable(new Error('not connected'));
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${fastTimeoutMs} ms`)), fastTimeoutMs);
        }),
      ]);
    } catch (err) {
      throw err instanceof CodedError ? err : unavailable(err);
    } finally {
      clearTimeout(timer);
    }
  }

  function fencedError(runId: string, err: unknown): unknown {
    if (err instanceof Error && err.message.includes('FENCED')) {
      return new CodedError('run_fenced', `run ${runId} was taken over by another worker: this one no longer reports for it`, { runId });
    }
    return err;
  }

  const opKeys = (runId: string) => [k.run(runId), k.ops(runId), k.pend(runId), k.pendRuns, k.seq, k.pendCount, k.calls(runId)];

  async function records(ids: string[]): Promise<RunRecord[]> {
    if (ids.length === 0) return [];
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hgetall(k.run(id));
    const answers = (await pipe.exec()) ?? [];
    const out: RunRecord[] = [];
    answers.forEach(([err, h], i) => {
      if (err) throw err;
      const r = toRecord(ids[i], h as Record<string, string>);
      if (r) out.push(r);
    });
    return out;
  }

  return {
    async accept(r, now, maxQueued, startAs) {
      const start = startAs === undefined ? '0' : '1';
      const answer = await fast(() =>
        run.accept(
          k.run(r.runId),
          k.idx('queued'),
          k.idx('running'),
          r.runId,
          r.action ?? '',
          encodeInvocation(r.invocation, r.payloadJson),
          r.synchronized ? '1' : '0',
          now,
          maxQueued,
          start,
          startAs ?? '',
        ),
      );
      return answer === 1 ? 'accepted' : answer === 0 ? 'duplicate' : 'full';
    },
    async get(runId) {
      return toRecord(runId, await redis.hgetall(k.run(runId)));
    },
    async stateOf(runId) {
      const state = await fast(() => redis.hget(k.run(runId), 'state'));
      return (state as RunState | null) ?? undefined;
    },
    async claim(runId, fence, now) {
      return (await run.claim(k.run(runId), k.idx('queued'), k.idx('running'), runId, fence ?? '', now)) as ClaimVerdict;
    },
    async interruptions(runId) {
      return Number((await redis.hget(k.run(runId), 'interruptions')) ?? 0);
    },
    async recordFinal(runId, final, op, now, fence) {
      try {
        const answer = await run.recordFinal(
          ...opKeys(runId),
          k.idx('queued'),
          k.idx('running'),
          k.steps(runId),
          k.resumes(runId),
          runId,
          fence ?? '',
          cid(),
          final.status,
          final.label === null ? '' : `=${final.label}`,
          now,
          op === null ? '' : JSON.stringify(op),
          ttlSeconds,
          ...journalArgs(op),
        );
        return answer === 1;
      } catch (err) {
        throw fencedError(runId, err);
      }
    },
    async recordResult(runId, result) {
      let json: string | undefined;
      try {
        json = result === undefined ? undefined : JSON.stringify(result);
      } catch {
        json = undefined; // no JSON form (a cycle, a BigInt): a redelivery gets the default body
      }
      // Only on a record that still exists: never recreate an expired one without its state.
      if (json !== undefined) await run.setResult(k.run(runId), json);
    },
    async listRuns(state) {
      return records(await redis.zrange(k.idx(state), 0, -1));
    },
    async countRuns(state) {
      return redis.zcard(k.idx(state));
    },
    async appendOp(runId, op: OutboxOp, now, fence) {
      try {
        const logMessage = op.kind === 'log' ? op.message : '';
        return Number(await run.append(...opKeys(runId), runId, fence ?? '', cid(), JSON.stringify(op), now, logMessage, ...journalArgs(op), ttlSeconds));
      } catch (err) {
        throw fencedError(runId, err);
      }
    },
    async pendingOps(runId) {
      const seqs = await redis.zrange(k.pend(runId), 0, -1);
      if (seqs.length === 0) return [];
      const fields = seqs.flatMap((s) => [s, `t:${s}`, `a:${s}`]);
      const values = await redis.hmget(k.ops(runId), ...fields);
      const out: OutboxEntry[] = [];
      seqs.forEach((s, i) => {
        const op = values[i * 3];
        if (op === null) return;
        out.push({ seq: Number(s), runId, op: JSON.parse(op) as OutboxOp, createdAt: Number(values[i * 3 + 1] ?? 0), attempts: Number(values[i * 3 + 2] ?? 0) });
      });
      return out;
    },
    async runsWithPendingOps() {
      return redis.zrange(k.pendRuns, 0, -1);
    },
    async countPendingOps() {
      return Math.max(0, Number((await redis.get(k.pendCount)) ?? 0));
    },
    async completeOps(runId, seqs) {
      // Delivered (or refused for good) ops are dropped: the run record keeps what dedupe and recovery need.
      if (seqs.length > 0) await run.complete(k.ops(runId), k.pend(runId), k.pendRuns, k.pendCount, runId, ...seqs.map(String));
    },
    async noteAttempt(runId, seq) {
      await redis.hincrby(k.ops(runId), `a:${seq}`, 1);
    },
    async lastLog(runId) {
      return redis.hget(k.run(runId), 'lastLog');
    },
    async leaseOutbox(runId, holder, ttlMs) {
      return (await run.lease(k.outboxLease(runId), holder, Math.max(1, Math.round(ttlMs)))) === 1;
    },
    async releaseOutbox(runId, holder) {
      await run.release(k.outboxLease(runId), holder);
    },
    async check() {
      await fast(() => redis.ping());
    },
    async close() {
      // The connection belongs to whoever opened it (several users share one per process).
    },
  };
}
