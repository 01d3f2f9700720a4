// Tests on the real Redis (127.0.0.1:6379, or REDIS_TEST_URL). Each test gets its own key prefix and its
// keys are deleted afterwards. Without a reachable Redis these tests skip with a message, except in CI
// (CI=true), where they fail: the Redis store must never go untested there.
import { describe, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

async function reachable(): Promise<boolean> {
  const probe = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const available = await reachable();
const inCi = process.env.CI === 'true';

/** describe() when Redis is reachable; a skip with a clear message when not (a failure in CI). */
export function describeRedis(name: string, fn: () => void): void {
  if (available) {
    describe(name, fn);
  } else if (inCi) {
    describe(name, () => {
      it(`needs Redis at ${REDIS_TEST_URL} (CI=true: a missing Redis fails instead of skipping)`, () => {
        throw new Error(`Redis at ${REDIS_TEST_URL} is not reachable; .ci/run starts one with redis-server`);
      });
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn(`skipping "${name}": no Redis reachable at ${REDIS_TEST_URL} (start one with redis-server, or set REDIS_TEST_URL)`);
    describe.skip(name, fn);
  }
}

/** A prefix no other test uses. */
export function testPrefix(label = 't'): string {
  return `test-${label}-${randomBytes(5).toString('hex')}`;
}

/** A connection for one test file, and a way to delete every key a prefix made. */
export function redisClient(): Redis {
  return new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: null });
}

export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
