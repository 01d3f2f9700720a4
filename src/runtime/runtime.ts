// The runtime in one piece for the composition root: a slot pool sized from config, the dispatcher on it,
// and the startup order. One instance: recover the journal, then start taking jobs. Replicas on a shared
// queue: nothing to recover at start (a dead replica's jobs come back through the queue's stall check);
// instead a periodic sweep queues again what no job carries any more.
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { AsyncRunStore, Fence } from '../journal/asyncStore.js';
import type { StepJournal } from '../journal/stepJournal.js';
import type { PortReadApi } from '../port/types.js';
import type { Registry } from '../registry/registry.js';
import { publicMessage } from '../errors.js';
import { createDispatcher, type LookupAction, type ReporterFactory, type RuntimeDispatcher, type SharedRunQueue } from './dispatcher.js';
import { recover, type RecoveryCounts } from './recovery.js';
import { createRunQueue, type RunQueue } from './runQueue.js';

export interface RuntimeOptions {
  config: Config;
  store: AsyncRunStore;
  registry: Registry;
  reporterFactory: ReporterFactory;
  lookupAction: LookupAction;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  clientSecret?: string | null;
  /** Where ctx.step results and resumes are journaled (resumable handlers need it). */
  steps?: StepJournal;
  /** What handlers read Port through (ctx.port). */
  portReads?: PortReadApi | null;
  /** Replicas: the shared run queue, and what it can tell about a run's job. */
  shared?: SharedRunQueue & { hasJob(runId: string): Promise<boolean> };
  /** Replicas: whether this one executes jobs (ROLE=all|worker). */
  work?: boolean;
  instanceFence?: Fence;
}

export interface Runtime {
  readonly dispatcher: RuntimeDispatcher;
  readonly queue: RunQueue;
  /** Recovers the journal (one instance) or starts the sweep (replicas), then starts running jobs. */
  start(): Promise<RecoveryCounts>;
  /** Graceful stop (default grace: SHUTDOWN_GRACE_MS). */
  shutdown(graceMs?: number): Promise<void>;
}

const NOTHING_RECOVERED: RecoveryCounts = { requeued: 0, rerun: 0, interrupted: 0, resumed: 0 };

export function createRuntime(opts: RuntimeOptions): Runtime {
  const queue = createRunQueue({
    maxConcurrent: opts.config.maxConcurrentRuns,
    maxQueued: opts.config.maxQueuedRuns,
    metrics: opts.metrics,
    paused: true,
    onError: (err, job) => opts.logger.error('run job failed outside the handler', { runId: job.runId, error: publicMessage(err) }),
  });
  const dispatcher = createDispatcher({ ...opts, queue });
  let sweepTimer: NodeJS.Timeout | undefined;

  /**
   * Replicas: a run journaled but never queued (its replica died between the two, or Redis blinked), or
   * left "running" with no job (its worker failed outside the handler), gets a job again; the claim then
   * decides what it becomes. A synchronized run has no job: it is given one only long after its deadline.
   */
  async function sweep(shared: NonNullable<RuntimeOptions['shared']>): Promise<void> {
    const now = opts.clock.now();
    const quiet = Math.max(2 * opts.config.store.lockDurationMs, 10_000);
    const [queued, running] = await Promise.all([opts.store.listRuns('queued'), opts.store.listRuns('running')]);
    for (const run of [...queued, ...running]) {
      const since = run.startedAt ?? run.acceptedAt;
      const wait = run.synchronized ? opts.config.runTimeoutMs + opts.config.shutdownGraceMs + quiet : quiet;
      if (now - since < wait || (await shared.hasJob(run.runId))) continue;
      opts.logger.warn('a run had no job in the shared queue: queued again', { runId: run.runId, action: run.action, state: run.state });
      await shared.submit(run.runId);
    }
  }

  return {
    dispatcher,
    queue,
    async start() {
      const { shared } = opts;
      if (!shared) {
        const counts = await recover({ ...opts, dispatcher, maxResumes: opts.config.maxResumes });
        dispatcher.start();
        return counts;
      }
      dispatcher.start();
      if (opts.work !== false) {
        sweepTimer = setInterval(() => {
          sweep(shared).catch((err: unknown) => opts.logger.debug('the queue sweep could not run (store away?)', { error: publicMessage(err) }));
        }, Math.max(1000, opts.config.store.stallIntervalMs));
        sweepTimer.unref();
      }
      return NOTHING_RECOVERED;
    },
    shutdown: (graceMs = opts.config.shutdownGraceMs) => {
      clearInterval(sweepTimer);
      return dispatcher.shutdown(graceMs);
    },
  };
}
