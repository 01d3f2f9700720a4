// Delivers the journaled reports to Port. One lane per run sends that run's ops strictly in journal order,
// one request at a time (so entity writes land before the final status, and log lines keep their order);
// lanes of different runs run in parallel, up to maxParallelRuns. A transient failure (no answer, 408,
// 429, 5xx) keeps the op and retries it with backoff until Port takes it; Port's final "no" is recorded
// and the lane moves on, so the run's final status still goes out.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { AsyncRunStore, Fence, OutboxOp } from '../journal/asyncStore.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { CodedError } from '../errors.js';
import { PortApiError } from '../port/errors.js';
import { backoffDelay } from '../port/retry.js';
import type { FinalStatus, PortApi, RunPatch } from '../port/types.js';
import { createSender, describeError } from './sender.js';
import { nextBatch, type Batch, type PortCall } from './mergeOps.js';
import { PendingOps } from './pendingOps.js';
import { judgeRefusedFinal, type RefusalState } from './refusedFinal.js';

export interface OutboxOptions {
  store: AsyncRunStore;
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
  /**
   * Who delivers: a run's lane holds the run's outbox lease in the store while it delivers, so replicas on
   * one store never deliver one run at once, and a dead replica's owed reports are taken over when its
   * lease expires. Default: a random id per outbox.
   */
  holder?: string;
  /** How long a lease lasts without renewal (renewed every third of it while the lane lives). */
  leaseMs?: number;
}

/** Who makes a report: the run's action (named in log lines) and the execution's fence (its owner). */
export interface AppendMeta {
  action?: string;
  fence?: Fence;
}

export interface Outbox {
  /** Journals an op for a run (in the order of calls per run) and starts its lane; resolves with its sequence number. */
  append(runId: string, op: OutboxOp, meta?: AppendMeta): Promise<number>;
  /**
   * Journals an op and resolves with Port's answer once delivered (the entity, for entity writes); rejects
   * when it could not be journaled, or with the PortApiError when Port refused it for good.
   */
  appendAndAwait(runId: string, op: OutboxOp, meta?: AppendMeta): Promise<unknown>;
  /**
   * Records the run's final status and journals its delivery (unless `op` is null: a synchronized run) in
   * the run's order; false when the run already had one.
   */
  recordFinal(runId: string, final: { status: FinalStatus; label: string | null }, op: OutboxOp | null, meta?: AppendMeta): Promise<boolean>;
  /** Starts or continues the run's lane (ops journaled elsewhere, recovery). */
  kick(runId: string): void;
  /** Kicks every run with pending ops (start-up recovery); resolves with how many runs. */
  resumeAll(): Promise<number>;
  /**
   * Every `intervalMs`, takes over the runs whose reports are owed with nobody delivering them (a replica
   * that died: its leases expired). Stopped by stop().
   */
  adoptOrphans(intervalMs: number): void;
  /** Ops of the run this process knows are undelivered. */
  pending(runId: string): number;
  /** Resolves when the run has no pending op left. */
  drained(runId: string): Promise<void>;
  /** Waits until nothing is pending or the time is up; true when everything was delivered. */
  flush(timeoutMs: number): Promise<boolean>;
  /** No new requests (one in flight may finish), backoff timers cancelled. */
  stop(): void;
  /**
   * After stop(): resolves once the requests in flight have been answered and their outcome journaled (or
   * the time is up), so closing the Port client and the store does not cut off a request Port may already
   * have taken, which would be sent once more at the next start.
   */
  settled(timeoutMs: number): Promise<void>;
}

type LaneState = 'queued' | 'running' | 'backoff';

/** 'own': this process made the reports (it keeps trying for the lease); 'adopt': owed by someone gone. */
type LaneMode = 'own' | 'adopt';

interface Lane {
  state: LaneState;
  mode: LaneMode;
  failures: number;
  /** Ops up to this seq go one per request: a merged request of them was refused. */
  mergeAfter: number;
  timer?: NodeJS.Timeout;
  /** How Port's refusals of the final status went; the body sent instead of the journaled one. */
  refusals: RefusalState;
  finalCall?: PortCall;
  /** Another holder had (or may have had) the lease: what this process remembers of the run may be stale. */
  viewMayBeStale?: boolean;
}

interface Deferred {
  runId: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** How many turns a new lane waits for its run's reports to stop coming back to back. */
const MAX_QUIET_WAIT_TURNS = 8;

const newLane = (mode: LaneMode): Lane => ({ state: 'queued', mode, failures: 0, mergeAfter: 0, refusals: { conflicts: 0, fallbacks: 0 } });

export function createOutbox(opts: OutboxOptions): Outbox {
  const { store, port, clock, logger } = opts;
  const baseDelayMs = opts.retry?.baseDelayMs ?? 500;
  // A run waiting on Port tries again at least every 10 s: it is delivered soon after Port is back.
  const maxDelayMs = opts.retry?.maxDelayMs ?? 10_000;
  const maxParallel = Math.max(1, opts.maxParallelRuns ?? 64);
  const random = opts.random ?? Math.random;
  const holder = opts.holder ?? randomUUID();
  const leaseMs = Math.max(30, opts.leaseMs ?? 30_000);
  const send = createSender(port, opts);

  const lanes = new Map<string, Lane>();
  const pending = new PendingOps(store);
  const waitingForSlot: string[] = [];
  const waiters = new Map<number, Deferred>();
  const drainWaiters = new Map<string, Array<() => void>>();
  /** Runs whose outbox lease this process holds (renewed while their lane lives), with when it was last taken or renewed. */
  const leased = new Map<string, number>();
  let running = 0;
  /** The lanes sending now (settled() waits for them). */
  const driving = new Set<Promise<void>>();
  let stopped = false;
  let depth = 0;
  let adoptTimer: NodeJS.Timeout | undefined;

  const setDepth = (n: number): void => {
    depth = Math.max(0, n);
    opts.metrics?.outboxDepth.set(depth);
  };
  const syncDepth = () =>
    store.countPendingOps().then(setDepth, () => {
      // a metric: the store's own failure shows on the delivery path
    });
  void syncDepth();

  // Keeps the leases of live lanes; a lease another holder took (this process was too slow) is given up.
  const renewEveryMs = Math.max(10, Math.floor(leaseMs / 3));
  const renewal = setInterval(() => {
    for (const runId of leased.keys()) {
      renewLease(runId).catch(() => {
        // Redis away: the lease may expire meanwhile; the lane renews it again before its next request
      });
    }
  }, renewEveryMs);
  renewal.unref();

  /**
   * Renews the run's lease; false when another holder has it now. A lease that may have lapsed since its
   * last renewal (this process stalled: a blocked event loop, a paused VM) may have been taken over and
   * given back meanwhile, so the lane reloads the run's ops from the store before it sends another.
   */
  async function renewLease(runId: string): Promise<boolean> {
    const since = leased.get(runId);
    if (since === undefined) return false;
    const asked = clock.now();
    const mayHaveLapsed = asked - since > leaseMs / 2;
    if (!(await store.leaseOutbox(runId, holder, leaseMs))) {
      lostLease(runId);
      return false;
    }
    if (!leased.has(runId)) return false; // the lane finished meanwhile
    leased.set(runId, asked);
    const lane = lanes.get(runId);
    if (mayHaveLapsed && lane) lane.viewMayBeStale = true;
    return true;
  }

  function lostLease(runId: string): void {
    if (!leased.delete(runId)) return;
    logger.warn('another replica took over delivering the reports of a run', { runId, action: pending.knownActionOf(runId) });
    void pending.drop(runId);
  }

  function settle(seqs: number[], outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void {
    for (const seq of seqs) {
      const w = waiters.get(seq);
      if (!w) continue;
      waiters.delete(seq);
      if (outcome.ok) w.resolve(outcome.value);
      else w.reject(outcome.error);
    }
  }

  async function complete(runId: string, batch: Batch, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): Promise<void> {
    await pending.complete(runId, batch.seqs, outcome.ok ? { ok: true } : { ok: false, error: describeError(outcome.error) }, clock.now());
    setDepth(depth - batch.seqs.length);
    settle(batch.seqs, outcome);
  }

  function finishLane(runId: string): void {
    lanes.delete(runId);
    pending.forget(runId);
    if (leased.delete(runId)) store.releaseOutbox(runId, holder).catch(() => undefined); // expires anyway
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
    const driven = drive(runId, lane)
      .catch((err: unknown) => {
        // A store failure mid-delivery (or the store closed at shutdown under an in-flight request): the
        // ops stay pending. Whoever waits on this run is answered now, and the run is tried again after a
        // backoff, so nothing waits on a lane that no longer exists.
        lanes.delete(runId);
        if (stopped) return;
        logger.error('outbox lane stopped on a store error; retrying later', { runId, action: pending.knownActionOf(runId), error: describeError(err) });
        abandon(runId, new CodedError('journal_unavailable', `the run store failed while delivering reports of run ${runId}: ${describeError(err)}`, { runId }, { cause: err }));
        const retry: Lane = newLane(lane.mode);
        retry.failures = lane.failures;
        // What the failed lane remembered may not match the store any more (a write of it failed).
        retry.viewMayBeStale = true;
        lanes.set(runId, retry);
        backoff(runId, retry);
      })
      .finally(() => {
        driving.delete(driven);
        releaseSlot();
      });
    driving.add(driven);
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

  /** True when this lane may deliver the run: it holds (or just took) the run's outbox lease. */
  async function takeLease(runId: string, lane: Lane): Promise<boolean> {
    if (leased.has(runId)) return true;
    const asked = clock.now();
    if (!(await store.leaseOutbox(runId, holder, leaseMs))) {
      lane.viewMayBeStale = true;
      return false;
    }
    leased.set(runId, asked);
    // Whoever held the lease before may have delivered some of what this process remembers: a view loaded
    // or appended to while another replica delivered the run (a replica draining at shutdown, an adopter).
    lane.viewMayBeStale = true;
    return true;
  }

  /**
   * Right before a request: the lease is still this process's, with most of its time left, so no other
   * replica can take the run over while the request is on its way. A request already in flight when a
   * lease lapses can still land twice; nothing after it does. False when the run is another's now.
   */
  async function holdLeaseForRequest(runId: string, lane: Lane): Promise<boolean> {
    const since = leased.get(runId);
    if (since === undefined) return false;
    if (clock.now() - since >= renewEveryMs && !(await renewLease(runId))) return false;
    if (lane.viewMayBeStale) {
      // Someone else may have delivered some of these: start from the store, and answer writes it delivered.
      await pending.drop(runId);
      const left = new Set((await pending.of(runId)).map((e) => e.seq));
      for (const [seq, w] of waiters) if (w.runId === runId && !left.has(seq)) settle([seq], { ok: true, value: undefined });
      lane.viewMayBeStale = false;
    }
    return leased.has(runId);
  }

  /** Sends the run's pending ops until none is left, Port is unreachable (backoff) or the outbox stops. */
  async function drive(runId: string, lane: Lane): Promise<void> {
    if (!(await takeLease(runId, lane))) {
      if (lane.mode === 'own') {
        backoff(runId, lane); // the holder may be gone: its lease expires
      } else {
        lanes.delete(runId);
      }
      return;
    }
    const action = await pending.actionOf(runId);
    while (!stopped) {
      if (!(await holdLeaseForRequest(runId, lane))) {
        // The lease went to another replica while this lane waited: it delivers from here.
        lanes.delete(runId);
        releaseDrainWaiters(runId);
        return;
      }
      const journaled = nextBatch(await pending.of(runId), lane.mergeAfter);
      if (!journaled) {
        finishLane(runId);
        return;
      }
      if (stopped) break; // stopped while this lane checked its lease and read its ops
      const batch = journaled.final && lane.finalCall ? { ...journaled, call: lane.finalCall } : journaled;
      let value: unknown;
      try {
        value = await send(runId, batch, action);
      } catch (err) {
        if (!(err instanceof PortApiError) || err.transient) {
          if (!(err instanceof PortApiError)) logger.error('unexpected error delivering to Port; will retry', { runId, action, error: describeError(err) });
          await retryLater(runId, lane, batch, err);
          return;
        }
        if (batch.seqs.length > 1) {
          // Find which op Port refuses: send this group again one op per request.
          lane.mergeAfter = batch.seqs[batch.seqs.length - 1];
          continue;
        }
        lane.failures = 0;
        if (batch.final && batch.call.kind === 'patch' && journaled.call.kind === 'patch' && (err.status === 409 || err.status === 422)) {
          if (!(await refusedFinal(runId, lane, batch, journaled.call.body, err, action))) return;
          continue;
        }
        await refusedForGood(runId, batch, err, action);
        continue;
      }
      // Outside the try: a store error here is not Port's, and stops the lane (see start()).
      lane.failures = 0;
      await complete(runId, batch, { ok: true, value });
    }
    // Stopped with the lane mid-way: its ops stay journaled for the next start.
    lanes.delete(runId);
  }

  async function retryLater(runId: string, lane: Lane, batch: Batch, err: unknown): Promise<void> {
    await store.noteAttempt(runId, batch.seqs[0], describeError(err));
    if (!stopped) backoff(runId, lane);
  }

  async function refusedForGood(runId: string, batch: Batch, err: PortApiError, action: string | undefined): Promise<void> {
    logger.warn('Port refused a report for good; recorded, going on with the run', {
      runId,
      action,
      seq: batch.seqs[0],
      status: err.status,
      portError: err.portError,
      traceId: err.traceId,
      error: err.message,
    });
    await complete(runId, batch, { ok: false, error: err });
  }

  /** A 409/422 on the final status: Port's view of the run decides. False when the lane is in backoff. */
  async function refusedFinal(runId: string, lane: Lane, batch: Batch, original: RunPatch, err: PortApiError, action: string | undefined): Promise<boolean> {
    const verdict = await judgeRefusedFinal(port, runId, err, original, lane.refusals, { ...(action ? { action } : {}), budgetMs: opts.callBudgetMs });
    const fields = { runId, action, status: err.status, portError: err.portError, traceId: err.traceId };
    switch (verdict.kind) {
      case 'finished':
        logger.info('Port shows the run already finished; its final status counts as delivered', { ...fields, portStatus: verdict.status });
        await complete(runId, batch, { ok: true, value: undefined });
        return true;
      case 'retry':
        logger.warn('Port refused the final status while the run is still open; trying again later', { ...fields, error: err.message });
        await retryLater(runId, lane, batch, err);
        return false;
      case 'fallback':
        logger.warn('Port refused the final status; sending a simpler one', { ...fields, error: err.message, fallback: verdict.body });
        lane.finalCall = { kind: 'patch', body: verdict.body };
        return true;
      case 'give-up':
        logger.error(`the final status could not be delivered: ${verdict.reason}`, fields);
        await complete(runId, batch, { ok: false, error: err });
        return true;
    }
  }

  function enqueue(runId: string, lane: Lane): void {
    if (running < maxParallel) start(runId, lane);
    else waitingForSlot.push(runId);
  }

  function kick(runId: string, mode: LaneMode = 'own'): void {
    if (stopped || lanes.has(runId)) return; // a live lane re-reads the view before every request
    const lane = newLane(mode);
    lanes.set(runId, lane);
    // Start after the caller's current burst of reports (awaited or not: each journaled call settles a
    // turn later, at its group commit), so consecutive PATCHes and a final status made back to back merge
    // into one request. A caller that never pauses is not waited for beyond a few turns.
    let turns = 0;
    const startWhenQuiet = (): void => {
      if (stopped || lanes.get(runId) !== lane) return;
      if (pending.busy(runId) && turns++ < MAX_QUIET_WAIT_TURNS) {
        void pending.idle(runId).then(() => setImmediate(startWhenQuiet));
        return;
      }
      enqueue(runId, lane);
    };
    setImmediate(startWhenQuiet);
  }

  async function drained(runId: string): Promise<void> {
    if ((await pending.of(runId)).length === 0) return;
    await new Promise<void>((resolve) => {
      const ws = drainWaiters.get(runId) ?? [];
      ws.push(resolve);
      drainWaiters.set(runId, ws);
      kick(runId);
    });
  }

  function append(runId: string, op: OutboxOp, meta: AppendMeta | undefined, onSeq?: (seq: number) => void): Promise<number> {
    const p = pending.append(runId, op, clock.now(), meta?.fence ?? null, meta?.action, onSeq);
    return p.then((seq) => {
      setDepth(depth + 1);
      kick(runId);
      return seq;
    });
  }

  return {
    append: (runId, op, meta) => append(runId, op, meta),
    appendAndAwait(runId, op, meta) {
      let answer!: Promise<unknown>;
      // The waiter is in place before the op is visible to the lane: an answer can never come first.
      const journaled = append(runId, op, meta, (seq) => {
        answer = new Promise((resolve, reject) => waiters.set(seq, { runId, resolve, reject }));
      });
      return journaled.then(() => answer);
    },
    async recordFinal(runId, final, op, meta) {
      const recorded = await pending.recordFinal(runId, final, op, clock.now(), meta?.fence ?? null, meta?.action);
      if (recorded && op !== null) {
        setDepth(depth + 1);
        kick(runId);
      }
      return recorded;
    },
    kick: (runId) => kick(runId),
    async resumeAll() {
      const runs = await store.runsWithPendingOps();
      await syncDepth();
      for (const runId of runs) kick(runId, 'adopt');
      return runs.length;
    },
    adoptOrphans(intervalMs) {
      if (adoptTimer || stopped) return;
      adoptTimer = setInterval(() => {
        store.runsWithPendingOps().then(
          (runs) => {
            for (const runId of runs) kick(runId, 'adopt');
          },
          () => undefined, // the store is away: the next round tries again
        );
      }, intervalMs);
      adoptTimer.unref();
    },
    pending(runId) {
      return pending.peek(runId).length;
    },
    drained,
    async flush(timeoutMs) {
      try {
        await waitAtMost(store.runsWithPendingOps().then((runs) => Promise.all(runs.map((runId) => drained(runId)))), timeoutMs);
        return (await store.countPendingOps()) === 0;
      } catch {
        return false; // the store is away: what is owed stays there
      }
    },
    stop() {
      stopped = true;
      clearInterval(renewal);
      clearInterval(adoptTimer);
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
      // Leases are left to expire: releasing them would need the store, which may be closing now.
      leased.clear();
    },
    async settled(timeoutMs) {
      await waitAtMost(Promise.all([...driving]), timeoutMs);
    },
  };
}

/** Resolves when `p` settles or `ms` have passed, whichever comes first; rejects only if `p` rejects first. */
async function waitAtMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
