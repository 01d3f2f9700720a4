// Redis for the scale tests, reached without the service's own client so the harness does not share the
// code under test: a probe of the machine's Redis (the tests skip when it is absent outside CI), one raw
// RESP command for cleanup, and a redis-server of a test's own (temp dir, AOF on, free loopback port) for
// the tests that take Redis away.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SHARED_REDIS_HOST = '127.0.0.1';
export const SHARED_REDIS_PORT = Number(process.env.SCALE_TEST_REDIS_PORT || 6379);
export const SHARED_REDIS_URL = `redis://${SHARED_REDIS_HOST}:${SHARED_REDIS_PORT}`;

/** Sends one command and resolves with the first reply line (status, integer or error), e.g. "+PONG". */
export function redisCommand(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  const wire = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: SHARED_REDIS_HOST, port });
    let data = '';
    const done = (err: Error | null, line?: string) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(line!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from redis on port ${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (err) => done(err));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      const end = data.indexOf('\r\n');
      if (end >= 0) done(null, data.slice(0, end));
    });
    socket.write(wire);
  });
}

export async function redisReachable(port = SHARED_REDIS_PORT): Promise<boolean> {
  try {
    return (await redisCommand(port, ['PING'], 1000)) === '+PONG';
  } catch {
    return false;
  }
}

/** Deletes every key under `prefix` (a test's own REDIS_PREFIX), on the shared Redis. */
export async function deletePrefix(prefix: string, port = SHARED_REDIS_PORT): Promise<void> {
  const script = "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) n = n + 1 end return n";
  await redisCommand(port, ['EVAL', script, '0', `${prefix}:*`], 5000);
}

/**
 * What a Redis test file calls at its top: whether the machine's Redis answers. Outside CI a missing Redis
 * skips the file with a message saying why; with CI=true it is a failure (CI starts Redis).
 */
export async function redisForTests(): Promise<{ available: boolean; reason: string }> {
  if (await redisReachable()) return { available: true, reason: '' };
  const reason = `no Redis answers PING at ${SHARED_REDIS_URL} (start one, e.g. "redis-server --daemonize yes", or set SCALE_TEST_REDIS_PORT)`;
  if (process.env.CI === 'true') return { available: false, reason: `CI=true requires Redis: ${reason}` };
  console.warn(`skipping the scale tests: ${reason}`);
  return { available: false, reason };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, SHARED_REDIS_HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  port: number;
  url: string;
  dir: string;
  /** SIGKILLs the server (a crash: only what the AOF holds survives) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (it replays its AOF) and waits until it accepts. */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  destroy(): Promise<void>;
  output(): string;
}

/**
 * A redis-server of the test's own: loopback only, a fresh temp dir, AOF with `appendfsync` as given
 * (`always` makes every acknowledged write survive a SIGKILL), no RDB snapshots, noeviction.
 */
export async function startOwnRedis(opts: { appendfsync?: 'always' | 'everysec' } = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scale-redis-'));
  let proc: ChildProcess | null = null;
  let out = '';
  const args = [
    '--port', String(port),
    '--bind', SHARED_REDIS_HOST,
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', opts.appendfsync ?? 'always',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--protected-mode', 'yes',
  ];
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn('redis-server', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      proc = p;
      let settled = false;
      const timer = setTimeout(() => finish(new Error(`redis-server on ${port} not ready within 10 s:\n${out.slice(-2000)}`)), 10_000);
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const onData = (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (/Ready to accept connections/.test(out.slice(-4000))) finish();
      };
      p.stdout!.on('data', onData);
      p.stderr!.on('data', onData);
      p.once('error', (err) => finish(err));
      p.once('exit', (code) => finish(new Error(`redis-server exited (${code}) during startup:\n${out.slice(-2000)}`)));
    });
  const kill = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  };
  const startFresh = async () => {
    out = '';
    await start();
  };
  await startFresh();
  return {
    port,
    url: `redis://${SHARED_REDIS_HOST}:${port}`,
    dir,
    kill,
    start: startFresh,
    destroy: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => out,
  };
}
