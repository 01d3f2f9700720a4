// At startup (one instance), picks up what the previous process left in the journal: runs accepted but
// never started are queued again (in accept order); runs that were executing when it died are planned
// like any interrupted run (interrupted.ts): run again, resumed, or finalized FAILURE "interrupted" with
// their last progress logged.
import type { Clock } from '../clock.js';
import { publicMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AsyncRunStore, RunRecord } from '../journal/asyncStore.js';
import type { StepJournal } from '../journal/stepJournal.js';
import type { Registry } from '../registry/registry.js';
import type { ReporterFactory, RuntimeDispatcher } from './dispatcher.js';
import { planInterrupted } from './interrupted.js';

export const INTERRUPTED_LABEL = 'interrupted: the service restarted while this run was executing';

export interface RecoveryOptions {
  store: AsyncRunStore;
  registry: Registry;
  dispatcher: Pick<RuntimeDispatcher, 'resume'>;
  reporterFactory: ReporterFactory;
  logger: Logger;
  clock: Clock;
  /** Where resumable runs' steps and resumes are journaled; without it they are finalized as interrupted. */
  steps?: StepJournal;
  /** Resumes of one run before it is finalized FAILURE (MAX_RESUMES). */
  maxResumes?: number;
}

export interface RecoveryCounts {
  /** Accepted, never started: queued again. */
  requeued: number;
  /** Interrupted with retryOnRestart: run again. */
  rerun: number;
  /** Interrupted: finalized FAILURE. */
  interrupted: number;
  /** Interrupted, resumable: executed again from their last finished step. */
  resumed: number;
}

/** Finalizes an interrupted run FAILURE through its reporter, after logging its last progress; false when it already had a final status. */
export async function finalizeInterrupted(
  record: RunRecord,
  opts: Pick<RecoveryOptions, 'store' | 'reporterFactory'>,
  label = INTERRUPTED_LABEL,
  fence: string | null = null,
): Promise<boolean> {
  const action = record.action ?? record.invocation.action ?? '';
  // A synchronized run's status came from our HTTP answer, which never went out: report it through the
  // API now (if Port already failed the run, its 422 counts as finished).
  const reporter = opts.reporterFactory({ runId: record.runId, action, synchronized: false, fence });
  const last = await opts.store.lastLog(record.runId);
  if (last !== null) await reporter.log(`last progress before the restart: ${last}`);
  return reporter.finalizeIfOpen({ status: 'FAILURE', label });
}

export async function recover(opts: RecoveryOptions): Promise<RecoveryCounts> {
  const counts: RecoveryCounts = { requeued: 0, rerun: 0, interrupted: 0, resumed: 0 };
  // Both lists are read before anything is queued: deliveries accepted while recovery is under way are
  // queued by the dispatcher itself and must not be queued a second time from here.
  const [running, queued] = await Promise.all([opts.store.listRuns('running'), opts.store.listRuns('queued')]);
  // Interrupted runs started before anything still queued, so a rerun goes first.
  for (const record of running) {
    const action = record.action ?? record.invocation.action;
    try {
      const plan = await planInterrupted(record, opts);
      if (plan.kind === 'rerun') {
        opts.logger.info('rerunning a run interrupted by the restart (retryOnRestart)', { runId: record.runId, action });
        opts.dispatcher.resume(record);
        counts.rerun += 1;
      } else if (plan.kind === 'resume') {
        opts.logger.info(`resuming a run interrupted by ${plan.resumed.reason}`, { runId: record.runId, action, resumes: plan.resumed.count });
        opts.dispatcher.resume(record, plan.resumed);
        counts.resumed += 1;
      } else {
        await finalizeInterrupted(record, opts, plan.label);
        counts.interrupted += 1;
        opts.logger.warn(plan.label ? `run ${plan.label}: finalized FAILURE` : 'run interrupted by the restart: finalized FAILURE', { runId: record.runId, action });
      }
    } catch (err) {
      opts.logger.error('cannot finalize a run interrupted by the restart', { runId: record.runId, error: publicMessage(err) });
    }
  }
  for (const record of queued) {
    opts.dispatcher.resume(record);
    counts.requeued += 1;
  }
  if (counts.requeued + counts.rerun + counts.interrupted + counts.resumed > 0) opts.logger.info('recovered runs from the journal', { ...counts });
  return counts;
}
