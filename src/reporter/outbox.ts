// Delivers the journaled reports to Port. One lane per run sends that run's ops strictly in journal order,
// one request at a time (so entity writes land before the final status, and log lines keep their order);
// lanes of different runs run in parallel, up to maxParallelRuns. A transient failure (no answer, 408,
// 429, 5xx) keeps the op and retries it with backoff until Port takes it; Port's final "no" is recorded
// and the lane moves on, so the run's final status still goes out.
import type { Clock } from '../clock.js';
import type { OutboxOp, RunStore } from '../journal/store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { CodedError } from '../errors.js';
import { PortApiError } from '../port/errors.js';
import { backoffDelay } from '../port/retry.js';
import type { PortApi, RunPatch } from '../port/types.js';
import { createSender, describeError } from './sender.js';
import { nextBatch, type Batch, type PortCall } from './mergeOps.js';
import { PendingOps } from './pendingOps.js';
import { judgeRefusedFinal, type RefusalState } from './refusedFinal.js';

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
  /** How Port's refusals of the final status went; the body sent instead of the journaled one. */
  refusals: RefusalState;
  finalCall?: PortCall;
}

interface Deferred {
  runId: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const newLane = (): Lane => ({ state: 'queued', failures: 0, mergeAfter: 0, refusals: { conflicts: 0, fallbacks: 0 } });

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
  const seqRuns = new Map<number, string>();
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
    releaseDrainWaiters(runId);
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
        // the ops stay pending. Whoever waits on this run is answered now, and the run is tried again
        // after a backoff, so nothing waits on a lane that no longer exists.
        lanes.delete(runId);
        if (stopped) return;
        logger.error('outbox lane stopped on a journal error; retrying later', { runId, action: pending.knownActionOf(runId), error: describeError(err) });
        abandon(runId, new CodedError('journal_unavailable', `the run journal failed while delivering reports of run ${runId}: ${describeError(err)}`, { runId }, { cause: err }));
        const retry: Lane = newLane();
        retry.failures = lane.failures;
        lanes.set(runId, retry);
        backoff(runId, retry);
      })
      .finally(releaseSlot);
  }

  /** Rejects the entity writes of a run still waiting on Port's answer and releases its drain waiters. */
  function abandon(runId: string, error: unknown): void {
    const seqs = new Set<number>();
    for (const [seq, w] of waiters) if (w.runId === runId) seqs.add(seq);
    settle([...seqs], { ok: false, error });
    releaseDrainWaiters(runId);
  }

  function releaseDrainWaiters(runId: string): void {
    const ws = drainWaiters.get(runId);
    drainWaiters.delete(runId);
    for (const w of ws ?? []) w();
  }

  function backoff(runId: string, lane: Lane): void {
    lane.failures++;
    const delay = backoffDelay(lane.failures, { baseDelayMs, maxDelayMs }, random);
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
      const journaled = nextBatch(pending.of(runId), lane.mergeAfter);
      if (!journaled) {
        finishLane(runId);
        return;
      }
      const batch = journaled.final && lane.finalCall ? { ...journaled, call: lane.finalCall } : journaled;
      let value: unknown;
      try {
        value = await send(runId, batch, pending.actionOf(runId));
      } catch (err) {
        if (!(err instanceof PortApiError) || err.transient) {
          if (!(err instanceof PortApiError)) logger.error('unexpected error delivering to Port; will retry', { runId, action: pending.actionOf(runId), error: describeError(err) });
          retryLater(runId, lane, batch, err);
          return;
        }
        if (batch.seqs.length > 1) {
          // Find which op Port refuses: send this group again one op per request.
          lane.mergeAfter = batch.seqs[batch.seqs.length - 1];
          continue;
        }
        lane.failures = 0;
        if (batch.final && batch.call.kind === 'patch' && journaled.call.kind === 'patch' && (err.status === 409 || err.status === 422)) {
          if (!(await refusedFinal(runId, lane, batch, journaled.call.body, err))) return;
          continue;
        }
        refusedForGood(runId, batch, err);
        continue;
      }
      // Outside the try: a journal error here is not Port's, and stops the lane (see start()).
      lane.failures = 0;
      complete(runId, batch, { ok: true, value });
    }
    // Stopped with the lane mid-way: its ops stay journaled for the next start.
    lanes.delete(runId);
  }

  function retryLater(runId: string, lane: Lane, batch: Batch, err: unknown): void {
    store.noteAttempt(batch.seqs[0], describeError(err));
    if (!stopped) backoff(runId, lane);
  }

  function refusedForGood(runId: string, batch: Batch, err: PortApiError): void {
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

  /** A 409/422 on the final status: Port's view of the run decides. False when the lane is in backoff. */
  async function refusedFinal(runId: string, lane: Lane, batch: Batch, original: RunPatch, err: PortApiError): Promise<boolean> {
    const action = pending.actionOf(runId);
    const verdict = await judgeRefusedFinal(port, runId, err, original, lane.refusals, { ...(action ? { action } : {}), budgetMs: opts.callBudgetMs });
    const fields = { runId, action, status: err.status, portError: err.portError, traceId: err.traceId };
    switch (verdict.kind) {
      case 'finished':
        logger.info('Port shows the run already finished; its final status counts as delivered', { ...fields, portStatus: verdict.status });
        complete(runId, batch, { ok: true, value: undefined });
        return true;
      case 'retry':
        logger.warn('Port refused the final status while the run is still open; trying again later', { ...fields, error: err.message });
        retryLater(runId, lane, batch, err);
        return false;
      case 'fallback':
        logger.warn('Port refused the final status; sending a simpler one', { ...fields, error: err.message, fallback: verdict.body });
        lane.finalCall = { kind: 'patch', body: verdict.body };
        return true;
      case 'give-up':
        logger.error(`the final status could not be delivered: ${verdict.reason}`, fields);
        complete(runId, batch, { ok: false, error: err });
        return true;
    }
  }

  function enqueue(runId: string, lane: Lane): void {
    if (running < maxParallel) start(runId, lane);
    else waitingForSlot.push(runId);
  }

  function kick(runId: string): void {
    if (stopped || lanes.has(runId)) return; // a live lane re-reads the journal before every request
    const lane = newLane();
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
      // Remembered for waitFor() in this tick only (which run an entity write's waiter belongs to).
      seqRuns.clear();
      seqRuns.set(seq, runId);
      setDepth(depth + 1);
      kick(runId);
      return seq;
    },
    kick,
    waitFor(seq) {
      const runId = seqRuns.get(seq) ?? '';
      return new Promise((resolve, reject) => waiters.set(seq, { runId, resolve, reject }));
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
      const stoppedError = new CodedError('shutting_down', 'the service stopped before Port answered; the write stays journaled and is sent at the next start');
      settle([...waiters.keys()], { ok: false, error: stoppedError });
      for (const lane of lanes.values()) {
        if (lane.timer) clearTimeout(lane.timer);
        lane.timer = undefined;
      }
      waitingForSlot.length = 0;
    },
  };
}
