// A slot pool: at most `maxConcurrent` runs execute at once; accepted runs wait FIFO in a bounded queue.
// Full means the delivery gets 503 before anything is journaled, so nothing accepted is ever dropped.
import type { Metrics } from '../metrics.js';

export interface RunJob {
  runId: string;
  /** Executes the run; the slot is held until it settles. Should not reject (errors go to onError). */
  run(): Promise<void>;
}

export interface Slot {
  /** Gives the slot back (idempotent) and starts the next waiting job. */
  release(): void;
}

/** A place held in the queue while a run is being journaled: counted against the bound, then filled or cancelled. */
export interface Reservation {
  fill(job: RunJob): void;
  cancel(): void;
}

export interface RunQueue {
  /** Holds a place for a job whose run is still being journaled; null when the queue has no room. */
  tryReserve(): Reservation | null;
  /** Queues (or starts) a job; false when `maxQueued` jobs already wait. */
  tryEnqueue(job: RunJob): boolean;
  /** Queues a job whatever the bound (runs journaled before a restart are never dropped). */
  enqueue(job: RunJob): void;
  /** True when tryEnqueue would accept a job now. */
  hasRoom(): boolean;
  /** A slot free right now, or null (synchronized runs cannot wait). */
  tryAcquireNow(): Slot | null;
  /** Start taking waiting jobs (a queue can be created paused). */
  start(): void;
  /** Stop starting waiting jobs; they stay queued. Running jobs are untouched. */
  stop(): void;
  readonly inFlight: number;
  readonly depth: number;
}

export interface RunQueueOptions {
  maxConcurrent: number;
  maxQueued: number;
  metrics?: Metrics;
  /** Created paused: nothing starts before start() (recovery fills it first). Default false. */
  paused?: boolean;
  onError?: (err: unknown, job: RunJob) => void;
}

export function createRunQueue(opts: RunQueueOptions): RunQueue {
  const waiting: RunJob[] = [];
  let head = 0; // index of the next job: shift() on a large array is O(n)
  let inFlight = 0;
  let running = !opts.paused;
  let reserved = 0;

  const depth = () => waiting.length - head;
  const report = () => {
    opts.metrics?.queueDepth.set(depth());
    opts.metrics?.runsInFlight.set(inFlight);
  };

  function acquire(): Slot {
    inFlight += 1;
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        inFlight -= 1;
        pump();
      },
    };
  }

  function launch(job: RunJob): void {
    const slot = acquire();
    let p: Promise<void>;
    try {
      p = Promise.resolve(job.run());
    } catch (err) {
      p = Promise.reject(err);
    }
    p.catch((err) => opts.onError?.(err, job)).finally(() => slot.release());
  }

  function pump(): void {
    while (running && inFlight < opts.maxConcurrent && depth() > 0) {
      const job = waiting[head];
      waiting[head] = undefined as unknown as RunJob;
      head += 1;
      if (head > 1024 && head * 2 > waiting.length) {
        waiting.splice(0, head);
        head = 0;
      }
      launch(job);
    }
    report();
  }

  const queue: RunQueue = {
    hasRoom: () => (running && inFlight + depth() + reserved < opts.maxConcurrent) || depth() + reserved < opts.maxQueued,
    tryReserve() {
      if (!queue.hasRoom()) return null;
      reserved += 1;
      let used = false;
      const use = (): boolean => {
        if (used) return false;
        used = true;
        reserved -= 1;
        return true;
      };
      return {
        fill(job) {
          if (use()) queue.enqueue(job);
        },
        cancel() {
          use();
        },
      };
    },
    tryEnqueue(job) {
      if (!queue.hasRoom()) return false;
      queue.enqueue(job);
      return true;
    },
    enqueue(job) {
      waiting.push(job);
      pump();
    },
    tryAcquireNow() {
      if (!running || inFlight >= opts.maxConcurrent) return null;
      const slot = acquire();
      report();
      return slot;
    },
    start() {
      running = true;
      pump();
    },
    stop() {
      running = false;
    },
    get inFlight() {
      return inFlight;
    },
    get depth() {
      return depth();
    },
  };
  report();
  return queue;
}
