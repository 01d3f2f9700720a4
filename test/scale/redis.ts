// A redis-server of a test's own (temp dir, AOF on, free loopback port) for the scale tests that take Redis
// away. The tests that only share the machine's Redis use test/redisKit.ts (its skip/CI rule, cleanup).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const HOST = '127.0.0.1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
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
 * (`always` makes every acknowledged write survive a SIGKILL), no RDB snapshots, noeviction unless told.
 */
export async function startOwnRedis(opts: { appendfsync?: 'always' | 'everysec'; maxmemoryPolicy?: string } = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scale-redis-'));
  let proc: ChildProcess | null = null;
  let out = '';
  const args = [
    '--port', String(port),
    '--bind', HOST,
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', opts.appendfsync ?? 'always',
    '--save', '',
    '--maxmemory-policy', opts.maxmemoryPolicy ?? 'noeviction',
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
    url: `redis://${HOST}:${port}`,
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
