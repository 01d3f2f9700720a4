// Several replicas of the built service (node dist/src/main.js, as users deploy it) on one Redis and one
// Port simulator that lives in the test process. Each cluster has its own REDIS_PREFIX, marker directory
// (executions counted from outside, see handlers/scale_work.mjs) and data directories, all removed at close.
import { describe } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type RunningSimulator, type SimRun } from '../../src/simulator/index.js';
import { startChild, type Child } from '../durability/child.js';
import { describeRedis, dropPrefix, redisClient, REDIS_TEST_URL } from '../redisKit.js';
import { freePort } from './redis.js';

export const SCALE_HANDLERS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'handlers');
const CLIENT_ID = 'scale-client';
const CLIENT_SECRET = 'scale-client-secret-0123456789abcdef0123';

/**
 * Short stall and lease settings so a dead replica's runs are taken over within seconds, not a minute:
 * they end within about LOCK_DURATION_MS + STALL_INTERVAL_MS (TAKEOVER_WITHIN_MS).
 */
export const STALL_ENV: Record<string, string> = { LOCK_DURATION_MS: '2000', STALL_INTERVAL_MS: '1000' };
export const TAKEOVER_WITHIN_MS = 2000 + 1000;

export type Role = 'all' | 'web' | 'worker';

/**
 * Whether the built service really runs on Redis with RUN_STORE=redis: pointed at a Redis that is not
 * there, it must refuse to start naming REDIS_URL. A build without the backend either starts anyway (on
 * its SQLite journal) or refuses RUN_STORE=redis itself. Null when it is there; else why the tests skip.
 */
async function backendMissing(): Promise<string | null> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scale-probe-'));
  try {
    const child = await startChild({ RUN_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_STARTUP_TIMEOUT_MS: '500', DATA_DIR: dataDir }, 15_000);
    child.proc.kill('SIGKILL');
    await child.exited;
    return 'the built service ignores RUN_STORE=redis (it started without any Redis), so the Redis backend is not wired in yet';
  } catch (err) {
    const output = (err as Error).message;
    if (/REDIS_URL/.test(output)) return null;
    const said = /configuration error: (.*)|cannot start: (.*)/.exec(output);
    return `the built service does not run on Redis yet: ${said ? (said[1] ?? said[2]).trim() : 'it exited without naming REDIS_URL'}`;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
const missing = await backendMissing();

/** describeRedis (skip without Redis, fail in CI), and a skip naming the reason while the backend is missing. */
export function describeScale(name: string, fn: () => void): void {
  if (missing) {
    console.warn(`skipping "${name}": ${missing}`);
    describe.skip(`${name} (skipped: ${missing})`, fn);
  } else {
    describeRedis(name, fn);
  }
}

export interface Replica extends Child {
  name: string;
  role: Role;
  pid: number;
  /** SIGTERM, then resolves with the exit code (or signal) once the process is gone. */
  terminate(): Promise<number | string>;
  kill(): Promise<number | string>;
  alive(): boolean;
}

export interface Cluster {
  simulator: RunningSimulator;
  prefix: string;
  markerDir: string;
  replicas: Replica[];
  start(role: Role, extra?: Record<string, string>): Promise<Replica>;
  /** How often scale_work started for this run, by any replica (counted from its marker file). */
  executions(runId: string): number;
  /** The pids that executed the run, in order. */
  executedBy(runId: string): number[];
  /** Log lines the handler saw stored (its log() resolved), in order. */
  stored(runId: string): string[];
  run(runId: string): SimRun | undefined;
  logsAtPort(runId: string): string[];
  terminal(ids: readonly string[]): boolean;
  close(): Promise<void>;
}

/** Replicas on `redisUrl` (default: the machine's Redis of test/redisKit.ts) with `env` added to each. */
export async function startCluster(opts: { redisUrl?: string; env?: Record<string, string> } = {}): Promise<Cluster> {
  const simulator = await startSimulator({ port: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const prefix = `scale-test-${randomBytes(4).toString('hex')}`;
  const markerDir = mkdtempSync(path.join(os.tmpdir(), 'scale-markers-'));
  const dataDirs: string[] = [];
  const replicas: Replica[] = [];
  const redisUrl = opts.redisUrl ?? REDIS_TEST_URL;
  let n = 0;

  const markerLines = (runId: string): string[] => {
    const file = path.join(markerDir, runId);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  };

  const cluster: Cluster = {
    simulator,
    prefix,
    markerDir,
    replicas,
    async start(role, extra = {}) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scale-data-'));
      dataDirs.push(dataDir);
      const name = `${role}-${++n}`;
      const child = await startChild({
        PORT_CLIENT_ID: CLIENT_ID,
        PORT_CLIENT_SECRET: CLIENT_SECRET,
        PORT_API_URL: simulator.url,
        HANDLERS_DIR: SCALE_HANDLERS,
        DATA_DIR: dataDir,
        RUN_STORE: 'redis',
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        ROLE: role,
        MAX_QUEUED_RUNS: '100000',
        SHUTDOWN_GRACE_MS: '10000',
        SCALE_MARKER_DIR: markerDir,
        ...STALL_ENV,
        ...opts.env,
        ...extra,
      }, 30_000);
      const alive = () => child.proc.exitCode === null && child.proc.signalCode === null;
      const replica: Replica = {
        ...child,
        name,
        role,
        pid: child.proc.pid ?? -1,
        alive,
        terminate: async () => {
          if (alive()) child.proc.kill('SIGTERM');
          return child.exited;
        },
        kill: async () => {
          if (alive()) child.proc.kill('SIGKILL');
          return child.exited;
        },
      };
      replicas.push(replica);
      return replica;
    },
    executions: (runId) => markerLines(runId).filter((l) => l.startsWith('start ')).length,
    executedBy: (runId) =>
      markerLines(runId)
        .filter((l) => l.startsWith('start '))
        .map((l) => Number(l.slice('start '.length))),
    stored: (runId) =>
      markerLines(runId)
        .filter((l) => l.startsWith('logged '))
        .map((l) => l.slice('logged '.length)),
    run: (runId) => simulator.sim.run(runId),
    logsAtPort: (runId) => simulator.sim.run(runId)?.logs.map((l) => l.message) ?? [],
    terminal: (ids) =>
      ids.every((id) => {
        const s = simulator.sim.run(id)?.status;
        return s === 'SUCCESS' || s === 'FAILURE';
      }),
    async close() {
      await Promise.all(replicas.map((r) => r.kill()));
      await simulator.close();
      // A test's own redis-server goes away with its directory; on the shared one, drop this prefix's keys.
      if (!opts.redisUrl) {
        const redis = redisClient();
        await dropPrefix(redis, prefix).finally(() => redis.disconnect());
      }
      rmSync(markerDir, { recursive: true, force: true });
      for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Polls `check` every 50 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in item order. */
export async function inPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/** The answers a replica may give a delivery it did not refuse for its shape: accepted or duplicate. */
export function answerKind(status: number, body: unknown): 'accepted' | 'duplicate' | 'other' {
  const b = body as { duplicate?: boolean } | null;
  if (status === 202) return 'accepted';
  if (status === 200 && b?.duplicate === true) return 'duplicate';
  return 'other';
}

/** GET /readyz of a replica: status and the names of its failing checks. */
export async function readiness(url: string): Promise<{ status: number; failing: string[] }> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { checks?: Record<string, { ok: boolean }> };
    return { status: res.status, failing: Object.entries(body.checks ?? {}).filter(([, c]) => !c.ok).map(([k]) => k) };
  } catch {
    return { status: 0, failing: [] };
  }
}
