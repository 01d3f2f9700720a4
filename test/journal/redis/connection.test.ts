import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectRedis, safeRedisUrl, type RedisLink } from '../../../src/journal/redis/connection.js';
import { memoryLogger } from '../../reporter/memoryLogger.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const hasRedisServer = (() => {
  try {
    return fs.existsSync('/usr/bin/redis-server') || fs.existsSync('/usr/local/bin/redis-server');
  } catch {
    return false;
  }
})();

/** A redis-server of this test's own, so it can be taken away. */
async function ownRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'pipe' });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return child;
}

describe('connectRedis', () => {
  const links: RedisLink[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const l of links.splice(0)) await l.close();
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('when a URL holds a password, then the safe form masks it', () => {
    expect(safeRedisUrl('redis://user:pw-secret@10.0.0.1:6380/2')).toBe('redis://user:***@10.0.0.1:6380/2');
  });

  it('when Redis is unreachable at start-up, then connecting gives up after the bounded wait, naming REDIS_URL without the password', async () => {
    const port = await freePort();
    const { logger } = memoryLogger();
    const err = await connectRedis({ url: `redis://:pw-secret@127.0.0.1:${port}`, logger, startupTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'store_unavailable' });
    expect((err as Error).message).toContain(`REDIS_URL=redis://:***@127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain('pw-secret');
  });

  (hasRedisServer ? it : it.skip)('when Redis goes away and comes back, then one line says so for the outage and one when it is back, and commands resume', async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-own-'));
    children.push(await ownRedis(port, dir));
    const { logger, lines } = memoryLogger();
    const link = await connectRedis({ url: `redis://127.0.0.1:${port}`, logger, startupTimeoutMs: 2000 });
    links.push(link);
    await link.redis.set('k', 'v');
    children.pop()!.kill('SIGKILL');
    const pending = link.redis.get('k'); // waits for the reconnect instead of failing
    await new Promise((r) => setTimeout(r, 1500)); // several reconnect attempts fail meanwhile
    expect(link.up).toBe(false);
    children.push(await ownRedis(port, dir));
    await expect(pending).resolves.toBeNull(); // the new server is empty: it still answered
    const outage = lines.filter((l) => /unreachable/.test(l.message));
    const back = lines.filter((l) => /reachable again/.test(l.message));
    expect(outage).toHaveLength(1);
    expect(outage[0].level).toBe('error');
    expect(back).toHaveLength(1);
    expect(link.up).toBe(true);
  }, 20_000);
});
