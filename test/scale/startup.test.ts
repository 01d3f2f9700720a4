// Start-up of the built service on Redis: a Redis that is not there stops it naming REDIS_URL after a
// bounded wait; a Redis that may evict keys gets a warning; an unknown store or role names the variable.
import { afterEach, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runToExit } from '../durability/child.js';
import { describeScale, startCluster, type Cluster } from './cluster.js';
import { freePort, startOwnRedis, type OwnRedis } from './redis.js';

let cluster: Cluster | undefined;
let own: OwnRedis | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await cluster?.close();
  await own?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  cluster = own = dataDir = undefined;
});

it('when RUN_STORE or ROLE has an unknown value, then startup stops naming the variable and the allowed values', async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'scale-startup-'));
  const store = await runToExit({ RUN_STORE: 'postgres', DATA_DIR: dataDir });
  expect(store.code).toBe(78);
  expect(store.output).toMatch(/RUN_STORE.*sqlite.*redis/);
  const role = await runToExit({ RUN_STORE: 'redis', ROLE: 'both', DATA_DIR: dataDir });
  expect(role.code).toBe(78);
  expect(role.output).toMatch(/ROLE.*all.*web.*worker/);
});

describeScale('scale-out: start-up on Redis', () => {
  it('when RUN_STORE=redis and no Redis answers, then it exits 78 naming REDIS_URL after REDIS_STARTUP_TIMEOUT_MS', async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'scale-startup-'));
    const started = Date.now();
    const { code, output } = await runToExit({ RUN_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_STARTUP_TIMEOUT_MS: '1500', DATA_DIR: dataDir }, 20_000);
    expect(code).toBe(78);
    expect(output).toMatch(/REDIS_URL/);
    expect(output).not.toMatch(/\n\s+at /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('when Redis may evict keys (maxmemory-policy allkeys-lru), then the replica warns at start-up that it must be noeviction', async () => {
    own = await startOwnRedis({ maxmemoryPolicy: 'allkeys-lru' });
    cluster = await startCluster({ redisUrl: own.url });
    const replica = await cluster.start('all');
    expect(replica.output()).toMatch(/maxmemory-policy=allkeys-lru.*noeviction/);
  });
});
