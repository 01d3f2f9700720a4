// The Redis connection of one process: connected within a bounded time at start-up (else an error naming
// REDIS_URL), reconnecting by itself afterwards, and one log line per outage (not one per retry).
import { Redis } from 'ioredis';
import { CodedError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/** The URL with any password masked, safe for logs and error messages. */
export function safeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username && !u.password) u.username = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'an unparsable URL';
  }
}

export interface RedisLink {
  /** The connection the store uses; reconnects by itself and queues commands meanwhile. */
  readonly redis: Redis;
  /** True while the connection is up. */
  readonly up: boolean;
  /** A new connection to the same Redis (BullMQ's workers need their own), watched the same way. */
  duplicate(): Redis;
  close(): Promise<void>;
}

export interface ConnectOptions {
  url: string;
  logger: Logger;
  startupTimeoutMs: number;
  /** Names the connections in Redis' CLIENT LIST. */
  name?: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

export async function connectRedis(opts: ConnectOptions): Promise<RedisLink> {
  const where = safeRedisUrl(opts.url);
  const redis = new Redis(opts.url, {
    connectionName: opts.name ?? 'port-runner',
    // Commands wait for the reconnect instead of failing (BullMQ requires this on worker connections);
    // callers that must answer quickly check `up` first.
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    lazyConnect: true,
  });
  const extra = new Set<Redis>();
  let up = false;
  /** Set once the start-up connect succeeded: only later outages are logged (start-up errors throw). */
  let started = false;
  let downSince: number | null = null;
  let lastError = 'no answer';

  const onDown = (err?: unknown) => {
    if (err !== undefined) lastError = message(err);
    if (downSince !== null) return;
    downSince = Date.now();
    if (started) {
      opts.logger.error(`Redis at ${where} is unreachable: ${lastError}. Deliveries answer 503 store_unavailable and reports wait in memory until it is back`);
    }
    up = false;
  };
  const onUp = () => {
    if (downSince !== null && started) opts.logger.warn(`Redis at ${where} is reachable again after ${Date.now() - downSince} ms`);
    downSince = null;
    up = true;
  };
  redis.on('error', (err) => onDown(err));
  redis.on('close', () => onDown());
  redis.on('ready', onUp);

  const timeout = Math.max(0, opts.startupTimeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new CodedError('store_unavailable', `cannot reach Redis at REDIS_URL=${where} within ${timeout} ms (REDIS_STARTUP_TIMEOUT_MS): ${lastError}`)),
        timeout,
      );
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      redis.connect().catch((err: unknown) => {
        lastError = message(err);
      });
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  started = true;
  up = true;
  downSince = null;

  await warnUnlessNoeviction(redis, where, opts.logger);

  return {
    redis,
    get up() {
      return up && redis.status === 'ready';
    },
    duplicate() {
      const d = redis.duplicate({ lazyConnect: false });
      // Outages are logged once, from the main connection; the duplicates' retries stay quiet.
      d.on('error', () => {});
      extra.add(d);
      return d;
    },
    async close() {
      for (const d of extra) d.disconnect();
      extra.clear();
      try {
        if (redis.status === 'ready') await redis.quit();
        else redis.disconnect();
      } catch {
        redis.disconnect();
      }
    },
  };
}

/** Redis may only evict nothing: an evicted run or report is a run lost without a trace. */
async function warnUnlessNoeviction(redis: Redis, where: string, logger: Logger): Promise<void> {
  try {
    const answer = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = answer[1];
    if (policy !== 'noeviction') {
      logger.warn(`Redis at ${where} has maxmemory-policy=${policy}: set it to noeviction, or Redis may drop runs and reports when memory is full`);
    }
  } catch (err) {
    logger.warn(`cannot read Redis' maxmemory-policy (${message(err)}): make sure it is noeviction`);
  }
}
