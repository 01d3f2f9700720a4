// Takes a normalized delivery from the ingress: dedupe by run id, find the action, journal the run, and
// either queue it (async: 202 at once) or run it within the request (synchronized). Also owns the
// graceful stop: no new runs, in-flight runs get a grace period, then are aborted and finalized.
import { setMaxListeners } from 'node:events';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { CodedError, isCodedError, publicMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Invocation } from '../normalize/invocation.js';
import { withPortRun, type PortRunFacts } from '../normalize/portRun.js';
import type { AsyncRunStore, Fence, RunRecord } from '../journal/asyncStore.js';
import type { Registry } from '../registry/registry.js';
import type { StepJournal } from '../journal/stepJournal.js';
import type { ManagedRunReporter, ReportReplay } from '../reporter/types.js';
import type { PortReadApi } from '../port/types.js';
import { executeRun, type RunOutcome } from './executeRun.js';
import type { RunQueue } from './runQueue.js';
import { createClaimRun } from './claimRun.js';
import { finalizeInterrupted } from './recovery.js';
import { logResume, openRunSteps } from './runSteps.js';
import type { DispatchMeta, DispatchResult, Dispatcher } from './types.js';

/** Port waits on a synchronized answer (its own limit is undocumented; port-agent's is 30 s): bounded. */
const SYNC_DRAIN_MAX_MS = 10_000;

export type ReporterFactory = (run: { runId: string; action: string; synchronized: boolean; replay?: ReportReplay; fence?: Fence }) => ManagedRunReporter;

/**
 * The run queue shared by replicas (BullMQ on Redis): async runs go there instead of this process's slot
 * pool, and any replica's worker executes them. `work` settles when the run is over; 'paused': a resumable
 * run stopped by the shutdown, to be handed to another worker.
 */
export interface SharedRunQueue {
  submit(runId: string): Promise<void>;
  startWorker(work: (runId: string, fence: string) => Promise<'paused' | void>): void;
  /** Stops taking jobs; resolves once the jobs being executed here are over. */
  stopWorker(): Promise<void>;
  readonly inFlight: number;
}

/** Why a resumable run is executed again (recovery decides, the execution says so on Port's page). */
export interface ResumeInfo {
  reason: string;
  /** Resumes so far, this one included. */
  count: number;
  firstStartedAt: number | null;
}

/** Asks Port about a run (action, blueprint, status): null when Port does not know the run; throws when Port is unreachable. */
export type LookupAction = (runId: string) => Promise<PortRunFacts | null>;

export interface DispatcherOptions {
  store: AsyncRunStore;
  registry: Registry;
  /** This process's slot pool: async runs on one instance, synchronized runs always. */
  queue: RunQueue;
  /** With replicas: where async runs are queued and taken from. */
  shared?: SharedRunQueue;
  /** With a shared queue: whether this replica executes jobs (ROLE=all or worker) or only accepts (web). */
  work?: boolean;
  /** Owner token of the synchronized runs this process executes (a shared store fences the others). */
  instanceFence?: Fence;
  reporterFactory: ReporterFactory;
  lookupAction: LookupAction;
  config: Config;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Key source for ctx.decrypt; default the configured Port client secret. */
  clientSecret?: string | null;
  /** Where ctx.step results live; default: in memory (steps do not survive a restart). */
  steps?: StepJournal;
  /** What handlers read Port through (ctx.port). */
  portReads?: PortReadApi | null;
}

export interface RuntimeDispatcher extends Dispatcher {
  /** Begin running queued jobs (and, with a shared queue and `work`, taking jobs from it). */
  start(): void;
  /** Queues an already journaled run (recovery); bypasses the queue bound: it was accepted before. */
  resume(record: RunRecord, resumed?: ResumeInfo): void;
  /** Stop accepting, let in-flight runs finish for graceMs, then abort and finalize the rest. */
  shutdown(graceMs: number): Promise<void>;
  readonly accepting: boolean;
  readonly inFlight: number;
  readonly queued: number;
}

export function createDispatcher(opts: DispatcherOptions): RuntimeDispatcher {
  const { store, registry, queue, clock, logger } = opts;
  let accepting = true;
  const shutdownController = new AbortController();
  // One listener per run in flight (removed when it ends) and one per synchronized answer being drained:
  // bounded by MAX_CONCURRENT_RUNS, so Node's leak warning is raised only above that.
  setMaxListeners(opts.config.maxConcurrentRuns * 2 + 10, shutdownController.signal);
  const executing = new Set<Promise<unknown>>();

  /** Runs a journaled run to its final status; the journal records it finished either way. */
  async function execute(
    record: Pick<RunRecord, 'runId' | 'action' | 'invocation' | 'synchronized'> & { startedAt?: number | null },
    reporter?: ManagedRunReporter,
    resumed?: ResumeInfo,
    fence: Fence = null,
  ): Promise<RunOutcome> {
    const action = record.action ?? record.invocation.action ?? '';
    const resolved = action ? registry.resolve(action, record.invocation.blueprint) : null;
    const resumable = resolved?.handler.resumable === true && !record.synchronized;
    const steps = opts.steps
      ? await openRunSteps({
          runId: record.runId,
          journal: opts.steps,
          resumable,
          // Started before this process: an earlier execution may have finished steps and made reports.
          reexecution: record.startedAt != null,
          maxResultBytes: opts.config.stepResultMaxBytes,
          clock,
          logger,
        })
      : undefined;
    const runReporter =
      reporter ?? opts.reporterFactory({ runId: record.runId, action, synchronized: record.synchronized, fence, ...(steps?.replay ? { replay: steps.replay } : {}) });
    if (resumed && steps) {
      const line = await logResume(steps, runReporter, resumed);
      logger.info(line, { runId: record.runId, action, resumes: resumed.count });
    }
    const outcome = await executeRun({
      invocation: record.invocation,
      action,
      resolved,
      reporter: runReporter,
      config: opts.config,
      clock,
      logger,
      metrics: opts.metrics,
      signal: shutdownController.signal,
      clientSecret: opts.clientSecret,
      ...(steps ? { steps } : {}),
      firstStartedAt: resumed?.firstStartedAt ?? null,
      port: opts.portReads,
    });
    // The reporter journaled the final status with its outbox entry. If it could not (the journal failed),
    // the run stays "running" so the next start finalizes it, rather than "finished" with nothing owed.
    return outcome;
  }

  function track<T>(p: Promise<T>): Promise<T> {
    executing.add(p);
    void p.finally(() => executing.delete(p)).catch(() => {});
    return p;
  }

  function job(record: RunRecord | { runId: string; action: string; invocation: Invocation; synchronized: boolean }, resumed?: ResumeInfo) {
    return {
      runId: record.runId,
      // The slot is already taken; the work starts on the next turn, so a delivery's 202 goes out before
      // any of its handler runs, however much the handler does before its first await. If the shutdown
      // grace ran out in between, the run stays queued in the journal for the next start.
      run: () =>
        track(
          (async () => {
            await new Promise<void>((resolve) => setImmediate(resolve));
            if (shutdownController.signal.aborted) return;
            // One process owns the journal: recovery already decided what a run left "running" becomes.
            const verdict = await store.claim(record.runId, null, clock.now());
            if (verdict === 'finished' || verdict === 'missing') return;
            await execute(record, undefined, resumed);
          })(),
        ),
    };
  }

  const claimRun = createClaimRun({
    store,
    registry,
    clock,
    logger,
    steps: opts.steps,
    maxResumes: opts.config.maxResumes,
    execute: (record, fence, resumed) => execute(record, undefined, resumed, fence),
    finalize: (record, label, fence) => finalizeInterrupted(record, { store, reporterFactory: opts.reporterFactory }, label, fence),
  });

  /** Synchronized runs executing in this process, until their answer is decided and journaled. */
  const syncRunning = new Set<string>();

  /**
   * The answer to a run id already journaled. Port takes a synchronized run's status from our answer, so
   * its redelivery gets the run's own outcome from the journal (200 with the result, 422 with the label),
   * or 409 while it runs; any other run is a plain duplicate.
   */
  async function duplicate(runId: string): Promise<DispatchResult | null> {
    if (syncRunning.has(runId)) throw runInProgress(runId);
    if ((await store.stateOf(runId)) === undefined) return null;
    const record = await store.get(runId);
    if (!record?.synchronized) return { kind: 'duplicate', runId };
    if (record.state !== 'finished') throw runInProgress(runId);
    return record.finalStatus === 'SUCCESS'
      ? { kind: 'sync', runId, ok: true, result: record.result }
      : { kind: 'sync', runId, ok: false, label: record.finalLabel ?? 'run failed' };
  }

  const runInProgress = (runId: string) =>
    new CodedError('run_in_progress', `synchronized run ${runId} is still running; its answer goes to the first delivery`);

  async function dispatchSync(invocation: Invocation, action: string, payloadJson: string | undefined): Promise<DispatchResult> {
    const { runId } = invocation;
    const known = await duplicate(runId);
    if (known) return known;
    const slot = queue.tryAcquireNow();
    if (!slot) throw new CodedError('queue_full', `no free run slot for synchronized run ${runId} (MAX_CONCURRENT_RUNS=${opts.config.maxConcurrentRuns})`);
    try {
      // Accepted and started together or not at all: a 503 must leave nothing journaled, or the run would
      // answer 409 to every redelivery and run at the next start with nobody waiting for its answer.
      const fence = opts.instanceFence ?? null;
      if ((await store.accept({ runId, action, invocation, synchronized: true, payloadJson }, clock.now(), 0, fence)) !== 'accepted') {
        return (await duplicate(runId)) ?? { kind: 'duplicate', runId };
      }
      syncRunning.add(runId);
      try {
        const reporter = opts.reporterFactory({ runId, action, synchronized: true, fence });
        const outcome = await track(execute({ runId, action, invocation, synchronized: true }, reporter, undefined, fence));
        if (outcome.status === 'SUCCESS' && outcome.result !== undefined) {
          try {
            await store.recordResult(runId, outcome.result);
          } catch (err) {
            logger.error('the result of a synchronized run could not be journaled: a redelivery gets the default body', { runId, action, error: publicMessage(err) });
          }
        }
        // Decided and journaled: from here a redelivery gets this outcome from the journal, also while the
        // answer waits for the run's reports below.
        syncRunning.delete(runId);
        // Its logs and entity writes reach Port before the answer does — unless Port is away for longer than
        // one call's budget: then the answer goes out anyway (Port is waiting on it) and they follow.
        const drained = await settlesWithin(reporter.drained(), Math.min(opts.config.portCallBudgetMs, SYNC_DRAIN_MAX_MS));
        if (!drained) logger.warn('reports of a synchronized run were not all delivered before the answer', { runId, action });
        return outcome.status === 'SUCCESS'
          ? { kind: 'sync', runId, ok: true, result: outcome.result }
          : { kind: 'sync', runId, ok: false, label: outcome.label ?? 'run failed' };
      } finally {
        syncRunning.delete(runId);
      }
    } finally {
      slot.release();
    }
  }

  /** True when `p` settled within `ms` (rejections count as settled: the outbox logged them); false on shutdown. */
  async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
    const shutdown = shutdownController.signal;
    if (shutdown.aborted) return false;
    // Listens to the long-lived shutdown signal and stops listening when done: AbortSignal.any would leave
    // a reference in it per call, for ever, on Node 20.
    const timeout = AbortSignal.timeout(ms);
    let onStop: (() => void) | undefined;
    const stopped = new Promise<boolean>((resolve) => {
      onStop = () => resolve(false);
      timeout.addEventListener('abort', onStop, { once: true });
      shutdown.addEventListener('abort', onStop, { once: true });
    });
    try {
      return await Promise.race([p.then(() => true, () => true), stopped]);
    } finally {
      timeout.removeEventListener('abort', onStop!);
      shutdown.removeEventListener('abort', onStop!);
    }
  }

  const shuttingDown = () => new CodedError('shutting_down', 'the service is shutting down; Port or the operator can retry the delivery');

  async function dispatchOne(received: Invocation, meta: DispatchMeta): Promise<DispatchResult> {
    const { runId } = received;
    if (!accepting) throw shuttingDown();
    // With the action in the body, the journal insert itself detects a duplicate (INSERT OR IGNORE).

    let invocation = received;
    // Port is asked when the body names no action, when only the run's blueprint can pick the handler, and
    // whenever the run id came from the unsigned header (Port must confirm the run).
    if (invocation.action === null || invocation.runIdFromHeader || registry.needsBlueprint(invocation.action, invocation.blueprint)) {
      const known = await duplicate(runId); // spare Port the lookup
      if (known) return known;
      let found: Awaited<ReturnType<LookupAction>>;
      try {
        found = await opts.lookupAction(runId);
      } catch (err) {
        logger.warn('cannot look up the action of a run: Port is unreachable', { runId, action: null, requestId: meta.requestId, error: publicMessage(err) });
        throw new CodedError('port_unavailable', `cannot reach Port to look up run ${runId}`, undefined, { cause: err });
      }
      if (!found) throw new CodedError('unknown_run', `Port does not know run ${runId}`);
      invocation = withPortRun(invocation, found);
      // The lookup awaited: a concurrent delivery of this run, or a shutdown, may have happened meanwhile.
      if (!accepting) throw shuttingDown();
      const raced = await duplicate(runId);
      if (raced) return raced;
    }
    const action = invocation.action as string;

    if (registry.resolve(action, invocation.blueprint)?.handler.synchronized) return dispatchSync(invocation, action, meta.payloadJson);

    const run = { runId, action, invocation, synchronized: false };
    // The body's text goes to the journal only: the queued job keeps the parsed invocation alone.
    const stored = { ...run, payloadJson: meta.payloadJson };
    const full = () => new CodedError('queue_full', `run queue is full (MAX_QUEUED_RUNS=${opts.config.maxQueuedRuns}); the delivery can be retried`);
    if (opts.shared) {
      // The store checks the duplicate, the bound (queued runs across replicas) and journals, in one step.
      const answer = await store.accept(stored, clock.now(), opts.config.maxQueuedRuns);
      if (answer === 'full') throw full();
      if (answer === 'duplicate') return (await duplicate(runId)) ?? { kind: 'duplicate', runId };
      try {
        await opts.shared.submit(runId);
      } catch (err) {
        // Journaled, so the 202 stands: the queue sweep submits runs that are queued without a job.
        logger.warn('a journaled run could not be queued yet; it will be', { runId, action, error: publicMessage(err) });
      }
      return { kind: 'accepted', runId, action };
    }
    // The place in this process's queue is held while the run is journaled, so the bound holds however
    // many deliveries are being journaled at once.
    const place = queue.tryReserve();
    if (!place) {
      const known = await duplicate(runId);
      if (known) return known;
      throw full();
    }
    let answer: Awaited<ReturnType<AsyncRunStore['accept']>>;
    try {
      answer = await store.accept(stored, clock.now(), 0);
    } catch (err) {
      place.cancel();
      throw err;
    }
    if (answer !== 'accepted') {
      place.cancel();
      return (await duplicate(runId)) ?? { kind: 'duplicate', runId };
    }
    place.fill(job(run));
    return { kind: 'accepted', runId, action };
  }

  /** Runs a job of the shared queue: claims the run, then executes, resumes or finalizes it. */
  async function work(runId: string, fence: string): Promise<'paused' | void> {
    if (!accepting) return 'paused'; // stopping: the job goes back for another replica
    const outcome = await track(
      claimRun(runId, fence).catch((err: unknown) => {
        // The store is away or fenced this worker off: the job ends; a run left "running" is taken over.
        logger.error('a run job failed outside the handler', { runId, error: publicMessage(err) });
        return null;
      }),
    );
    return outcome === 'paused' ? 'paused' : undefined;
  }

  const dispatcher: RuntimeDispatcher = {
    async dispatch(received, meta) {
      try {
        return await dispatchOne(received, meta);
      } catch (err) {
        // The store reports its own failures as journal_unavailable (disk full, I/O error): nothing was
        // accepted and the sender may retry. Anything else uncoded is a bug, answered as one.
        if (isCodedError(err, 'journal_unavailable')) {
          logger.error('the run journal failed while accepting a delivery', { runId: received.runId, action: received.action, error: publicMessage(err) });
        } else if (!(err instanceof CodedError)) {
          logger.error('accepting a delivery failed', { runId: received.runId, action: received.action, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
          throw new CodedError('internal_error', 'accepting the delivery failed', undefined, { cause: err });
        }
        throw err;
      }
    },

    start() {
      queue.start();
      if (opts.shared && opts.work !== false) opts.shared.startWorker(work);
    },

    resume(record, resumed) {
      queue.enqueue(job(record, resumed));
    },

    async shutdown(graceMs) {
      accepting = false;
      queue.stop(); // queued runs stay journaled as queued: the next start runs them
      // Takes no more jobs; the ones being executed here get the grace below. Queued jobs stay for the others.
      const workerStopped = opts.shared && opts.work !== false ? opts.shared.stopWorker() : Promise.resolve();
      if (executing.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
        await Promise.race([Promise.allSettled([...executing]), graceOver]);
        clearTimeout(timer);
      }
      if (executing.size > 0) {
        logger.warn(`shutdown grace of ${graceMs} ms is over: aborting ${executing.size} run(s)`);
        shutdownController.abort(new DOMException('service shutting down', 'AbortError'));
        await Promise.allSettled([...executing]);
      }
      await workerStopped.catch((err: unknown) => logger.warn('the run worker did not stop cleanly', { error: publicMessage(err) }));
    },

    get accepting() {
      return accepting;
    },
    get inFlight() {
      return queue.inFlight + (opts.shared?.inFlight ?? 0);
    },
    get queued() {
      return queue.depth;
    },
  };
  return dispatcher;
}
