// Opens the store RUN_STORE names: the SQLite journal of one instance, or Redis shared by replicas. Either
// way the runtime sees the same async contract (AsyncRunStore) and a step journal beside it.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { AsyncRunStore } from './asyncStore.js';
import { startCheckpointer } from './checkpointer.js';
import { connectRedis, type RedisLink } from './redis/connection.js';
import { createRedisStore } from './redis/redisStore.js';
import { sqliteAsyncStore } from './sqliteAsyncStore.js';
import { openSqliteStepJournal } from './sqliteStepJournal.js';
import { openSqliteStore, type SqliteRunStore } from './sqliteStore.js';
import type { StepJournal } from './stepJournal.js';
import { createRedisStepJournal } from './redis/redisStepJournal.js';

export interface OpenedStore {
  store: AsyncRunStore;
  steps: StepJournal;
  /** The SQLite journal (its housekeeping: retention, size); null on Redis, where records expire by TTL. */
  sqlite: SqliteRunStore | null;
  /** The Redis connection (the run queue opens its own beside it); null on SQLite. */
  redis: RedisLink | null;
  close(): Promise<void>;
}

export async function openStore(config: Config, logger: Logger): Promise<OpenedStore> {
  if (config.store.kind === 'sqlite') {
    const sqlite = openSqliteStore({ dataDir: config.dataDir });
    const checkpointer = startCheckpointer({ database: sqlite.database, file: sqlite.path, logger });
    return {
      store: sqliteAsyncStore({ store: sqlite }),
      steps: openSqliteStepJournal(sqlite.database),
      sqlite,
      redis: null,
      close: async () => {
        await checkpointer.stop();
        sqlite.close();
      },
    };
  }
  const link = await connectRedis({ url: config.store.redisUrl, logger, startupTimeoutMs: config.store.redisStartupTimeoutMs });
  const store = createRedisStore({ redis: link.redis, prefix: config.store.redisPrefix, dedupeTtlHours: config.dedupeTtlHours, isUp: () => link.up });
  const steps = createRedisStepJournal({ redis: link.redis, prefix: config.store.redisPrefix, dedupeTtlHours: config.dedupeTtlHours });
  return { store, steps, sqlite: null, redis: link, close: () => link.close() };
}
