// What a worker does with a run the queue hands it, on a store shared by replicas: claim it first. A run
// that was waiting is executed; a run that was already running belonged to a worker that died or paused
// it at a shutdown (the queue hands out a running run only then), so it is planned like any interrupted
// run: run again (retryOnRestart), resumed from its last finished step (resumable), or finalized FAILURE
// "interrupted" with its last progress. The claim makes this worker the run's owner: the old one, should
// it come back, is fenced off its writes.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AsyncRunStore, Fence, RunRecord } from '../journal/asyncStore.js';
import type { StepJournal } from '../journal/stepJournal.js';
import type { Registry } from '../registry/registry.js';
import type { ResumeInfo } from './dispatcher.js';
import { planInterrupted } from './interrupted.js';

export const INTERRUPTED_PREFIX = 'interrupted';

/** The label of a run whose worker died: names the last progress, so Port's page says where it stopped. */
export function interruptedLabel(lastLog: string | null): string {
  const label = lastLog === null ? `${INTERRUPTED_PREFIX}: its worker stopped before reporting any progress` : `${INTERRUPTED_PREFIX}: ${lastLog}`;
  return label.length > 200 ? `${label.slice(0, 197)}...` : label;
}

export interface ClaimRunOptions {
  store: AsyncRunStore;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  /** Executes a claimed run under `fence` to its final status (`resumed`: from its last finished step). */
  execute(record: RunRecord, fence: Fence, resumed?: ResumeInfo): Promise<{ paused?: boolean } | void>;
  /**
   * Records an interrupted run's final status and its delivery (the runtime goes through the outbox, so
   * the report is sent at once); default: straight to the store.
   */
  finalize?(record: RunRecord, label: string, fence: Fence): Promise<boolean>;
  steps?: StepJournal;
  maxResumes?: number;
}

/** 'paused': a resumable run stopped by this worker's shutdown, for another worker to resume. */
export type ClaimOutcome = 'executed' | 'rerun' | 'resumed' | 'paused' | 'interrupted' | 'already-finished' | 'missing';

export function createClaimRun(opts: ClaimRunOptions): (runId: string, fence: Fence) => Promise<ClaimOutcome> {
  const { store, clock, logger } = opts;
  const finalize =
    opts.finalize ??
    ((record: RunRecord, label: string, fence: Fence) =>
      store.recordFinal(record.runId, { status: 'FAILURE', label }, { kind: 'final', status: 'FAILURE', label }, clock.now(), fence));
  return async (runId, fence) => {
    const verdict = await store.claim(runId, fence, clock.now());
    if (verdict === 'finished') return 'already-finished';
    const record = await store.get(runId);
    if (verdict === 'missing' || !record) {
      logger.warn('a queued job names a run the store does not know (expired?): skipped', { runId });
      return 'missing';
    }
    const paused = (outcome: { paused?: boolean } | void) => outcome?.paused === true;
    if (verdict === 'started') return paused(await opts.execute(record, fence)) ? 'paused' : 'executed';
    const action = record.action ?? record.invocation.action;
    const plan = await planInterrupted(record, opts);
    if (plan.kind === 'rerun') {
      logger.info('rerunning a run whose worker died (retryOnRestart)', { runId, action });
      return paused(await opts.execute(record, fence)) ? 'paused' : 'rerun';
    }
    if (plan.kind === 'resume') {
      logger.info(`resuming a run interrupted by ${plan.resumed.reason} on another worker`, { runId, action, resumes: plan.resumed.count });
      return paused(await opts.execute(record, fence, plan.resumed)) ? 'paused' : 'resumed';
    }
    const label = plan.label ?? interruptedLabel(await store.lastLog(runId));
    // The final status and its delivery together; the outbox delivers it after the dead worker's owed reports.
    const recorded = await finalize(record, label, fence);
    if (recorded) logger.warn('run interrupted: its worker died; finalized FAILURE', { runId, action, label });
    return recorded ? 'interrupted' : 'already-finished';
  };
}
