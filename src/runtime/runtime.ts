// The runtime in one piece for main.ts: a slot pool sized from config, the dispatcher on it, and the
// startup order (recover the journal, then start taking jobs).
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { RunStore } from '../journal/store.js';
import type { PortReadApi } from '../port/types.js';
import type { Registry } from '../registry/registry.js';
import { publicMessage } from '../errors.js';
import { createDispatcher, type LookupAction, type ReporterFactory, type RuntimeDispatcher } from './dispatcher.js';
import { recover, type RecoveryCounts } from './recovery.js';
import { createRunQueue, type RunQueue } from './runQueue.js';

export interface RuntimeOptions {
  config: Config;
  store: RunStore;
  registry: Registry;
  reporterFactory: ReporterFactory;
  lookupAction: LookupAction;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  clientSecret?: string | null;
  /** What handlers read Port through (ctx.port). */
  portReads?: PortReadApi | null;
}

export interface Runtime {
  readonly dispatcher: RuntimeDispatcher;
  readonly queue: RunQueue;
  /** Recovers the journal, then starts running jobs. */
  start(): Promise<RecoveryCounts>;
  /** Graceful stop (default grace: SHUTDOWN_GRACE_MS). */
  shutdown(graceMs?: number): Promise<void>;
}

export function createRuntime(opts: RuntimeOptions): Runtime {
  const queue = createRunQueue({
    maxConcurrent: opts.config.maxConcurrentRuns,
    maxQueued: opts.config.maxQueuedRuns,
    metrics: opts.metrics,
    paused: true,
    onError: (err, job) => opts.logger.error('run job failed outside the handler', { runId: job.runId, error: publicMessage(err) }),
  });
  const dispatcher = createDispatcher({ ...opts, queue });
  return {
    dispatcher,
    queue,
    async start() {
      const counts = await recover({ ...opts, dispatcher });
      dispatcher.start();
      return counts;
    },
    shutdown: (graceMs = opts.config.shutdownGraceMs) => dispatcher.shutdown(graceMs),
  };
}
