// Scale benchmark (`npm run bench:scale`), on the Redis store (REDIS_URL, default redis://127.0.0.1:6379):
// 1. Runs per second with 1 and with 3 ROLE=worker replicas on one Redis, behind one ROLE=web replica that
//    takes the deliveries. Handlers wait 200 ms (handlers/wait.ts), the simulator adds 20 ms to every Port
//    request, MAX_CONCURRENT_RUNS=8 per worker. One measurement: N deliveries sent as fast as the web
//    replica takes them, timed from the first delivery until Port has every run's final status. The two
//    worker counts alternate within each round (fresh worker processes each time, warmed up first).
//    Target: 3 workers ≥ 2.6 × 1 worker (ratio of the medians).
// 2. Ingest: signed deliveries per second through POST /webhook of one service with RUN_STORE=sqlite and
//    one with RUN_STORE=redis (ROLE=all, a handler that succeeds at once), interleaved rounds, each round
//    drained (every accepted run reported to Port) before the next target is loaded.
// Env: BENCH_SCALE_ROUNDS (3), BENCH_SCALE_RUNS (480), BENCH_ROUNDS (5) / BENCH_ROUND_SECONDS (3) /
// BENCH_CONNECTIONS (16) for the ingest part, REDIS_URL.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startTarget, type Target } from './lib/child.js';
import { describeProblems, runLoad } from './lib/load.js';
import { envNumber, isMain, progress, sleep } from './lib/main.js';
import { BENCH_HANDLERS_DIR, newSecret, startStack, type Stack } from './lib/stack.js';
import { fmt, fmtRange, median, summarize, type Summary } from './lib/stats.js';

export const SCALE_TARGET_RATIO = 2.6;
const HANDLER_MS = 200;

export interface ScaleOptions {
  rounds: number;
  runs: number;
  latencyMs: number;
  concurrency: number;
  ingestRounds: number;
  ingestSeconds: number;
  connections: number;
  redisUrl: string;
}

export interface ScaleResult {
  options: ScaleOptions;
  /** Runs per second, one sample per round, for 1 and 3 workers. */
  one: number[];
  three: number[];
  /** three / one per round, and the ratio of the medians (the figure held against the target). */
  roundRatios: number[];
  ratio: number;
  /** What MAX_CONCURRENT_RUNS slots busy for 200 ms + one Port call allow, per worker. */
  idealPerWorker: number;
  ingest: { sqlite: number[]; redis: number[]; ratios: number[] };
  summaries: { one: Summary; three: Summary; sqlite: Summary; redis: Summary };
  problems: string[];
}

export function scaleOptionsFromEnv(): ScaleOptions {
  return {
    rounds: envNumber('BENCH_SCALE_ROUNDS', 3),
    runs: envNumber('BENCH_SCALE_RUNS', 480),
    latencyMs: 20,
    concurrency: 8,
    ingestRounds: envNumber('BENCH_ROUNDS', 5),
    ingestSeconds: envNumber('BENCH_ROUND_SECONDS', 3),
    connections: envNumber('BENCH_CONNECTIONS', 16),
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
}

/** Null when Redis answers PING, else why not. */
export async function redisProblem(url: string): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    return `no Redis at ${url.replace(/\/\/[^@/]*@/, '//')}: ${(err as Error).message}`;
  } finally {
    client.disconnect();
  }
}

/**
 * Null when the service really runs on Redis with RUN_STORE=redis: pointed at a Redis nobody listens on,
 * it must refuse to start naming REDIS_URL. A build without the Redis backend refuses RUN_STORE=redis
 * itself, or starts anyway on SQLite (measuring that would report one instance as "scale-out").
 */
export async function backendProblem(): Promise<string | null> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'port-runner-bench-probe-'));
  try {
    const probe = await startTarget('service', {
      NODE_ENV: 'test',
      PORT: '0',
      DATA_DIR: dataDir,
      HANDLERS_DIR: BENCH_HANDLERS_DIR,
      RUN_STORE: 'redis',
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_STARTUP_TIMEOUT_MS: '300',
    });
    await probe.kill();
    return 'the service ignores RUN_STORE=redis (it started without any Redis): the Redis backend is not in this build';
  } catch (err) {
    const output = (err as Error).message;
    if (/REDIS_URL/.test(output)) return null;
    return `the service does not run on Redis in this build: ${/RUN_STORE[^\n]*/.exec(output)?.[0] ?? output.split('\n')[0]}`;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function deletePrefixes(url: string, prefixes: string[]): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    for (const prefix of prefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await client.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

const FINISH_TIMEOUT_MS = 180_000;

/** Waits until the simulator has seen `count` final statuses in all; returns when it did (epoch ms). */
async function waitFinals(simulator: Target, count: number, timeoutMs = FINISH_TIMEOUT_MS): Promise<number> {
  const start = Date.now();
  for (;;) {
    if ((await simulator.finals()) >= count) return Date.now();
    if (Date.now() - start > timeoutMs) throw new Error(`scale bench: ${count} final statuses not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export async function runScaleBench(opts: ScaleOptions = scaleOptionsFromEnv()): Promise<ScaleResult> {
  const problem = (await redisProblem(opts.redisUrl)) ?? (await backendProblem());
  if (problem) throw new Error(`bench:scale cannot run: ${problem}`);
  const problems: string[] = [];
  const prefixes: string[] = [];
  const newPrefix = () => {
    const p = `bench-scale-${randomBytes(4).toString('hex')}`;
    prefixes.push(p);
    return p;
  };
  const secret = newSecret();
  const clientId = 'bench-client';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'port-runner-bench-scale-'));
  const prefix = newPrefix();
  const serviceEnv = (role: string, extra: Record<string, string> = {}) => ({
    NODE_ENV: 'production',
    PORT: '0',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    HANDLERS_DIR: BENCH_HANDLERS_DIR,
    PORT_CLIENT_ID: clientId,
    PORT_CLIENT_SECRET: secret,
    RUN_STORE: 'redis',
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    ROLE: role,
    MAX_QUEUED_RUNS: '1000000',
    MAX_CONCURRENT_RUNS: String(opts.concurrency),
    ...extra,
  });

  const targets: Target[] = [];
  const stacks: Stack[] = [];
  try {
    const simulator = await startTarget('simulator', { BENCH_SECRET: secret, BENCH_CLIENT_ID: clientId, BENCH_SIM_LATENCY_MS: String(opts.latencyMs) });
    targets.push(simulator);
    const web = await startTarget('service', { ...serviceEnv('web'), PORT_API_URL: simulator.url });
    targets.push(web);

    /** Sends `runs` deliveries to the web replica; resolves with runs/s until Port has all their final statuses. */
    const measure = async (runs: number, label: string): Promise<number> => {
      const base = await simulator.finals();
      const started = Date.now();
      const load = await runLoad({ url: web.url, secret, action: 'bench_wait', amount: runs, connections: opts.connections });
      const issues = describeProblems(load);
      if (issues) problems.push(`${label}: ${issues}`);
      const done = await waitFinals(simulator, base + load.delivered);
      return load.delivered / ((done - started) / 1000);
    };
    const withWorkers = async (n: number, round: number): Promise<number> => {
      const workers = await Promise.all(Array.from({ length: n }, () => startTarget('service', { ...serviceEnv('worker'), PORT_API_URL: simulator.url })));
      targets.push(...workers);
      try {
        await measure(2 * opts.concurrency * n, 'warm-up'); // JIT, Port token, BullMQ connections
        const rps = await measure(opts.runs, `${n} worker(s), round ${round}`);
        progress(`scale round ${round}/${opts.rounds}: ${n} worker(s) ${fmt(rps, 1)} runs/s`);
        return rps;
      } finally {
        await Promise.all(workers.map((w) => w.stop(20_000)));
        for (const w of workers) targets.splice(targets.indexOf(w), 1);
      }
    };

    const one: number[] = [];
    const three: number[] = [];
    for (let r = 1; r <= opts.rounds; r++) {
      // Alternate which goes first, so a drift of the machine's load does not favour one of them.
      if (r % 2 === 1) {
        one.push(await withWorkers(1, r));
        three.push(await withWorkers(3, r));
      } else {
        three.push(await withWorkers(3, r));
        one.push(await withWorkers(1, r));
      }
    }

    // Ingest: the same service on each store, loaded one after the other, round after round.
    const sqlite = await startStack();
    stacks.push(sqlite);
    const redis = await startStack({ serviceEnv: { RUN_STORE: 'redis', REDIS_URL: opts.redisUrl, REDIS_PREFIX: newPrefix() } });
    stacks.push(redis);
    const accepted = new Map<Stack, number>([[sqlite, 0], [redis, 0]]);
    const ingestOnce = async (stack: Stack, seconds: number, label: string) => {
      const load = await runLoad({ url: stack.service.url, secret: stack.secret, action: 'bench_succeed', durationS: seconds, connections: opts.connections });
      const issues = describeProblems(load);
      if (issues && label) problems.push(`ingest ${label}: ${issues}`);
      accepted.set(stack, accepted.get(stack)! + load.delivered);
      await waitFinals(stack.simulator, accepted.get(stack)!);
      return load.deliveriesPerSec;
    };
    progress('scale ingest: warm-up');
    await ingestOnce(sqlite, 1, '');
    await ingestOnce(redis, 1, '');
    const ingest = { sqlite: [] as number[], redis: [] as number[], ratios: [] as number[] };
    for (let r = 1; r <= opts.ingestRounds; r++) {
      const s = await ingestOnce(sqlite, opts.ingestSeconds, `sqlite round ${r}`);
      const d = await ingestOnce(redis, opts.ingestSeconds, `redis round ${r}`);
      ingest.sqlite.push(s);
      ingest.redis.push(d);
      ingest.ratios.push(d / s);
      progress(`scale ingest round ${r}/${opts.ingestRounds}: sqlite ${fmt(s)}/s, redis ${fmt(d)}/s`);
    }

    return {
      options: opts,
      one,
      three,
      roundRatios: one.map((o, i) => three[i] / o),
      ratio: median(three) / median(one),
      idealPerWorker: opts.concurrency / ((HANDLER_MS + opts.latencyMs) / 1000),
      ingest,
      summaries: { one: summarize(one), three: summarize(three), sqlite: summarize(ingest.sqlite), redis: summarize(ingest.redis) },
      problems,
    };
  } finally {
    for (const s of stacks) await s.stop();
    for (const t of targets.reverse()) await t.stop(15_000);
    rmSync(dataDir, { recursive: true, force: true });
    await deletePrefixes(opts.redisUrl, prefixes).catch(() => undefined);
  }
}

export function formatScale(r: ScaleResult): string {
  const o = r.options;
  const met = r.ratio >= SCALE_TARGET_RATIO ? 'met' : 'NOT met';
  return [
    `scale: runs/s on one Redis, ${o.rounds} interleaved rounds of ${o.runs} runs; handlers wait ${HANDLER_MS} ms, ` +
      `${o.latencyMs} ms Port latency, MAX_CONCURRENT_RUNS=${o.concurrency} per worker, one ROLE=web replica in front`,
    `  runs/s (min / median / max)`,
    `    1 worker    ${fmtRange(r.summaries.one, 1)}   (ideal ${fmt(r.idealPerWorker, 1)})`,
    `    3 workers   ${fmtRange(r.summaries.three, 1)}   (ideal ${fmt(3 * r.idealPerWorker, 1)})`,
    `  3 workers / 1 worker: ${fmt(r.ratio, 2)}× (medians; per round ${fmtRange(summarize(r.roundRatios), 2)}); target ≥ ${SCALE_TARGET_RATIO}×: ${met}`,
    `ingest: ${o.ingestRounds} interleaved rounds × ${o.ingestSeconds} s, ${o.connections} connections, ROLE=all, handler succeeds at once`,
    `  deliveries/s (min / median / max)`,
    `    RUN_STORE=sqlite  ${fmtRange(r.summaries.sqlite)}`,
    `    RUN_STORE=redis   ${fmtRange(r.summaries.redis)}`,
    `  redis / sqlite      ${fmtRange(summarize(r.ingest.ratios), 2)}`,
    ...(r.problems.length ? [`  non-202 answers: ${r.problems.join('; ')}`] : []),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  try {
    console.log(formatScale(await runScaleBench()));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
