// Delivers the journaled reports to Port. One lane per run sends that run's ops strictly in journal order,
// one request at a time (so entity writes land before the final status, and log lines keep their order);
// lanes of different runs run in parallel, up to maxParallelRuns. A transient failure (no answer, 408,
// 429, 5xx) keeps the op and retries it with backoff until Port takes it; Port's final "no" is recorded
// and the lane moves on, so the run's final status still goes out.
import type { Clock } from '../clock.js';
import type { OutboxOp, RunStore } from '../journal/store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { PortApiError } from '../port/errors.js';
import type { PortApi } from '../port/types.js';
import { createSender, describeError } from './sender.js';
import { nextBatch, type Batch } from './mergeOps.js';
import { PendingOps } from './pendingOps.js';

export interface OutboxOptions {
  store: RunStore;
  port: PortApi;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'outboxDepth'>;
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Budget of one Port call (the client's own retries included); the client's default when unset. */
  callBudgetMs?: number;
  /** Budget of the call that carries a final status (generous: it is the one that must not be lost). */
  finalCallBudgetMs?: number;
  maxParallelRuns?: number;
  /** Jitter source (tests make it deterministic). */
  random?: () => number;
}

export interface Outbox {
  /** Journals an op for a run and starts its lane; returns the op's sequence number. */
  append(runId: string, op: OutboxOp, action?: string): number;
  /** Starts or continues the run's lane (ops journaled elsewhere, recovery). */
  kick(runId: string): void;
  /**
   * Port's answer for an op (the entity for entity writes) once delivered; rejects with the PortApiError
   * when Port refused it for good. Call it in the same tick as append(): answers nobody asked for are
   * not kept.
   */
  waitFor(seq: number): Promise<unknown>;
  /** Kicks every run with pending ops (start-up recovery); returns how many runs. */
  resumeAll(): number;
  pending(runId: string): number;
  /** Resolves when the run has no pending op left. */
  drained(runId: string): Promise<void>;
  /** Waits until nothing is pending or the time is up; true when everything was delivered. */
  flush(timeoutMs: number): Promise<boolean>;
  /** No new requests (one in flight may finish), backoff timers cancelled. */
  stop(): void;
}

type LaneState = 'queued' | 'running' | 'backoff';

interface Lane {
  state: LaneState;
  failures: number;
  /** Ops up to this seq go one per request: a merged request of them was refused. */
  mergeAfter: number;
  timer?: NodeJS.Timeout;
}

interface Deferred {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export function createOutbox(opts: OutboxOptions): Outbox {
  const { store, port, clock, logger } = opts;
  const baseDelayMs = opts.retry?.baseDelayMs ?? 500;
  // A run waiting on Port tries again at least every 10 s: it is delivered soon after Port is back.
  const maxDelayMs = opts.retry?.maxDelayMs ?? 10_000;
  const maxParallel = Math.max(1, opts.maxParallelRuns ?? 64);
  const random = opts.random ?? Math.random;
  const send = createSender(port, opts);

  const lanes = new Map<string, Lane>();
  const pending = new PendingOps(store);
  const waitingForSlot: string[] = [];
  const waiters = new Map<number, Deferred>();
  const drainWaiters = new Map<string, Array<() => void>>();
  let running = 0;
  let stopped = false;
  let depth = 0;

  const setDepth = (n: number): void => {
    depth = Math.max(0, n);
    opts.metrics?.outboxDepth.set(depth);
  };
  setDepth(store.countPendingOps());

  function settle(seqs: number[], outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void {
    for (const seq of seqs) {
      const w = waiters.get(seq);
      if (!w) continue;
      waiters.delete(seq);
      if (outcome.ok) w.resolve(outcome.value);
      else w.reject(outcome.error);
    }
  }

  function complete(runId: string, batch: Batch, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void {
    pending.complete(runId, batch.seqs, outcome.ok ? { ok: true } : { ok: false, error: describeError(outcome.error) }, clock.now());
    setDepth(depth - batch.seqs.length);
    settle(batch.seqs, outcome);
  }

  function finishLane(runId: string): void {
    lanes.delete(runId);
    pending.forget(runId);
    const ws = drainWaiters.get(runId);
    drainWaiters.delete(runId);
    for (const w of ws ?? []) w();
  }

  function releaseSlot(): void {
    running--;
    while (!stopped && running < maxParallel && waitingForSlot.length > 0) {
      const next = waitingForSlot.shift()!;
      const lane = lanes.get(next);
      if (lane?.state === 'queued') start(next, lane);
    }
  }

  function start(runId: string, lane: Lane): void {
    lane.state = 'running';
    running++;
    drive(runId, lane)
      .catch((err: unknown) => {
        // A journal failure mid-delivery (or the journal closed at shutdown under an in-flight request):
        // the ops stay pending and go out at the next kick or start.
        if (!stopped) logger.error('outbox lane stopped on a journal error', { runId, action: pending.knownActionOf(runId), error: describeError(err) });
        lanes.delete(runId);
      })
      .finally(releaseSlot);
  }

  function backoff(runId: string, lane: Lane): void {
    lane.failures++;
    const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(lane.failures - 1, 30));
    const delay = Math.round(exp / 2 + (random() * exp) / 2);
    lane.state = 'backoff';
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      if (stopped) return;
      lane.state = 'queued';
      enqueue(runId, lane);
    }, delay);
  }

  /** Sends the run's pending ops until none is left, Port is unreachable (backoff) or the outbox stops. */
  async function drive(runId: string, lane: Lane): Promise<void> {
    while (!stopped) {
      const batch = nextBatch(pending.of(runId), lane.mergeAfter);
      if (!batch) {
        finishLane(runId);
        return;
      }
      try {
        const value = await send(runId, batch, pending.actionOf(runId));
        lane.failures = 0;
        complete(runId, batch, { ok: true, value });
      } catch (err) {
        if (!(err instanceof PortApiError) || err.transient) {
          if (!(err instanceof PortApiError)) logger.error('unexpected error delivering to Port; will retry', { runId, action: pending.actionOf(runId), error: describeError(err) });
          store.noteAttempt(batch.seqs[0], describeError(err));
          if (!stopped) backoff(runId, lane);
          return;
        }
        if (batch.seqs.length > 1) {
          // Find which op Port refuses: send this group again one op per request.
          lane.mergeAfter = batch.seqs[batch.seqs.length - 1];
          continue;
        }
        lane.failures = 0;
        if (batch.final && err.alreadyFinished) {
          logger.info('Port says the run already has its final status; counted as finished', { runId, action: pending.actionOf(runId), status: err.status });
          complete(runId, batch, { ok: true, value: undefined });
        } else {
          logger.warn('Port refused a report for good; recorded, going on with the run', {
            runId,
            action: pending.actionOf(runId),
            seq: batch.seqs[0],
            status: err.status,
            portError: err.portError,
            traceId: err.traceId,
            error: err.message,
          });
          complete(runId, batch, { ok: false, error: err });
        }
      }
    }
    // Stopped with the lane mid-way: its ops stay journaled for the next start.
    lanes.delete(runId);
  }

  function enqueue(runId: string, lane: Lane): void {
    if (running < maxParallel) start(runId, lane);
    else waitingForSlot.push(runId);
  }

  function kick(runId: string): void {
    if (stopped || lanes.has(runId)) return; // a live lane re-reads the journal before every request
    const lane: Lane = { state: 'queued', failures: 0, mergeAfter: 0 };
    lanes.set(runId, lane);
    // Start after the caller's current burst of reports (awaited or not), so consecutive PATCHes and a
    // final status journaled together can merge into one request.
    setImmediate(() => {
      if (!stopped && lanes.get(runId) === lane) enqueue(runId, lane);
    });
  }

  function drained(runId: string): Promise<void> {
    if (pending.of(runId).length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const ws = drainWaiters.get(runId) ?? [];
      ws.push(resolve);
      drainWaiters.set(runId, ws);
      kick(runId);
    });
  }

  return {
    append(runId, op, action) {
      const seq = pending.append(runId, op, clock.now(), action);
      setDepth(depth + 1);
      kick(runId);
      return seq;
    },
    kick,
    waitFor(seq) {
      return new Promise((resolve, reject) => waiters.set(seq, { resolve, reject }));
    },
    resumeAll() {
      const runs = store.runsWithPendingOps();
      setDepth(store.countPendingOps());
      for (const runId of runs) kick(runId);
      return runs.length;
    },
    pending(runId) {
      return pending.of(runId).length;
    },
    drained,
    async flush(timeoutMs) {
      const all = Promise.all(store.runsWithPendingOps().map((runId) => drained(runId)));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, timeoutMs));
      });
      try {
        await Promise.race([all, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return store.countPendingOps() === 0;
    },
    stop() {
      stopped = true;
      // Nobody may wait forever on a run whose reports now stay journaled for the next start.
      for (const ws of drainWaiters.values()) for (const w of ws) w();
      drainWaiters.clear();
      for (const lane of lanes.values()) {
        if (lane.timer) clearTimeout(lane.timer);
        lane.timer = undefined;
      }
      waitingForSlot.length = 0;
    },
  };
}
