// The run queue shared by N replicas: a BullMQ queue whose job id is the run id, so a run is queued once
// however many replicas accept it. The job carries only the run id; the run itself is in the store.
//
// Stalls: a replica that dies leaves its jobs active without a lock; after LOCK_DURATION_MS BullMQ's
// stalled check (every STALL_INTERVAL_MS, on a live worker) hands them to another worker. BullMQ would
// simply run the processor again; ours claims the run in the store first and learns that it was already
// running, so it finalizes it as interrupted (or re-runs a retryOnRestart handler) instead of silently
// executing its side effects twice. The claim also fences the dead worker off, should it come back.
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** BullMQ job ids may not contain ':' nor be all digits: escape both, injectively ('%' too). */
export function jobIdFor(runId: string): string {
  const escaped = runId.replace(/%/g, '%25').replace(/:/g, '%3A');
  return /^\d+$/.test(escaped) ? `%d${escaped}` : escaped;
}

/**
 * Executes one run under `fence` (the job's lock token); settles when the run is over. 'paused': the run
 * stopped at this replica's shutdown to resume elsewhere: its job goes back to the queue.
 */
export type RunWork = (runId: string, fence: string) => Promise<'paused' | void>;

/** A paused run's job waits this long before another worker takes it (this replica is closing meanwhile). */
const PAUSED_RETRY_MS = 1000;

export interface BullRunQueueOptions {
  /** The producer's connection (shared; not closed here). */
  redis: Redis;
  prefix: string;
  logger: Logger;
  concurrency: number;
  lockDurationMs: number;
  stallIntervalMs: number;
  /** How long failed jobs are kept for inspection (seconds). */
  keepFailedSeconds?: number;
  /** Opens the worker's own connection (BullMQ blocks on it), when startWorker is not given one. */
  workerConnection?: () => Redis;
  /**
   * How long submit waits for Redis (ioredis would hold the call until a reconnect); past it, submit
   * rejects and the run, already stored, waits for the queue sweep. Default: no limit.
   */
  submitTimeoutMs?: number;
}

export interface BullRunQueue {
  /** Queues a journaled run; a run already queued (same job id) is not queued twice. */
  submit(runId: string): Promise<void>;
  /** Whether the run has a job in the queue (waiting, active, delayed). */
  hasJob(runId: string): Promise<boolean>;
  /** Starts a worker on this replica; `connection` (default: `workerConnection()`) must be its own. */
  startWorker(work: RunWork, connection?: Redis): void;
  /** Stops taking jobs and waits for those being executed; queued jobs stay in Redis. */
  stopWorker(): Promise<void>;
  readonly inFlight: number;
  /** Jobs waiting for a worker, across all replicas. */
  waiting(): Promise<number>;
  /** `force`: do not wait for jobs being executed (a replica that is going away anyway). */
  close(force?: boolean): Promise<void>;
}

export const QUEUE_NAME = 'jobs';

/** Worker-side settings: the store decides what a stalled job becomes, so BullMQ must never fail it. */
export const STALLS_BEFORE_BULLMQ_GIVES_UP = 1_000_000;

export function createBullRunQueue(opts: BullRunQueueOptions): BullRunQueue {
  const queue = new Queue(QUEUE_NAME, { connection: opts.redis, prefix: opts.prefix });
  queue.on('error', (err) => opts.logger.debug('run queue connection error', { error: err.message }));
  let worker: Worker | null = null;
  let inFlight = 0;
  const keepFailed = opts.keepFailedSeconds ?? 7 * 24 * 3600;

  return {
    async submit(runId) {
      const added = queue.add(
        'run',
        { runId },
        // Completed jobs go at once (the run record dedupes); failed ones stay a while for inspection.
        { jobId: jobIdFor(runId), removeOnComplete: true, removeOnFail: { age: keepFailed }, attempts: 1 },
      );
      if (opts.submitTimeoutMs === undefined) {
        await added;
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`queueing run ${runId}: no answer from Redis within ${opts.submitTimeoutMs} ms`)), opts.submitTimeoutMs);
      });
      try {
        await Promise.race([added, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    async hasJob(runId) {
      const state = await queue.getJobState(jobIdFor(runId));
      return state !== 'unknown' && state !== 'completed' && state !== 'failed';
    },
    startWorker(work, connection) {
      if (worker) return;
      const own = connection ?? opts.workerConnection?.();
      if (!own) throw new Error('startWorker needs a connection of its own (or the workerConnection option)');
      worker = new Worker(
        QUEUE_NAME,
        async (job: Job<{ runId: string }>, token?: string) => {
          inFlight++;
          let outcome: 'paused' | void;
          try {
            outcome = await work(job.data.runId, token ?? `job-${job.id}`);
          } finally {
            inFlight--;
          }
          if (outcome === 'paused') {
            // Back to the queue, still carrying the run, for a worker that is not going away.
            await job.moveToDelayed(Date.now() + PAUSED_RETRY_MS, token);
            throw new DelayedError();
          }
        },
        {
          connection: own,
          prefix: opts.prefix,
          concurrency: opts.concurrency,
          lockDuration: opts.lockDurationMs,
          stalledInterval: opts.stallIntervalMs,
          maxStalledCount: STALLS_BEFORE_BULLMQ_GIVES_UP,
          autorun: true,
        },
      );
      worker.on('error', (err) => opts.logger.debug('run worker connection error', { error: err.message }));
      worker.on('stalled', (jobId) => opts.logger.warn('a run was left by a replica that stopped answering: taking it over', { job: jobId }));
      worker.on('lockRenewalFailed', (jobIds) =>
        opts.logger.warn('this replica lost its hold on runs (Redis slow or unreachable): another replica may take them over', { jobs: jobIds }),
      );
    },
    async stopWorker() {
      await worker?.close();
    },
    get inFlight() {
      return inFlight;
    },
    async waiting() {
      return queue.getWaitingCount();
    },
    async close(force = false) {
      await worker?.close(force);
      await queue.close();
    },
  };
}
