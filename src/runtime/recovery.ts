// At startup, picks up what the previous process left in the journal: runs accepted but never started are
// queued again (in accept order); runs that were executing when it died are run again when their handler
// says it is safe (retryOnRestart), resumed from their last finished step (resumable, at most MAX_RESUMES
// times), else finalized FAILURE "interrupted" with their last progress logged.
import type { Clock } from '../clock.js';
import { publicMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RunRecord, RunStore } from '../journal/store.js';
import type { StepJournal } from '../journal/stepJournal.js';
import type { Registry } from '../registry/registry.js';
import type { ReporterFactory, RuntimeDispatcher } from './dispatcher.js';

export const INTERRUPTED_LABEL = 'interrupted: the service restarted while this run was executing';

export interface RecoveryOptions {
  store: RunStore;
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

async function finalizeInterrupted(record: RunRecord, opts: RecoveryOptions, label = INTERRUPTED_LABEL): Promise<void> {
  const action = record.action ?? record.invocation.action ?? '';
  // A synchronized run's status came from our HTTP answer, which never went out: report it through the
  // API now (if Port already failed the run, its 422 counts as finished).
  const reporter = opts.reporterFactory({ runId: record.runId, action, synchronized: false });
  const last = opts.store.lastLog(record.runId);
  if (last !== null) await reporter.log(`last progress before the restart: ${last}`);
  await reporter.finalizeIfOpen({ status: 'FAILURE', label });
  opts.store.markFinished(record.runId, 'FAILURE', label, opts.clock.now()); // no-op once finished
}

export async function recover(opts: RecoveryOptions): Promise<RecoveryCounts> {
  const counts: RecoveryCounts = { requeued: 0, rerun: 0, interrupted: 0, resumed: 0 };
  // Both lists are read before the first await: deliveries accepted while recovery is under way are
  // queued by the dispatcher itself and must not be queued a second time from here.
  const running = opts.store.listRuns('running');
  const queued = opts.store.listRuns('queued');
  // Interrupted runs started before anything still queued, so a rerun goes first.
  for (const record of running) {
    const action = record.action ?? record.invocation.action;
    const handler = action ? opts.registry.resolve(action, record.invocation.blueprint)?.handler : undefined;
    if (handler?.retryOnRestart && !record.synchronized) {
      opts.logger.info('rerunning a run interrupted by the restart (retryOnRestart)', { runId: record.runId, action });
      opts.dispatcher.resume(record);
      counts.rerun += 1;
      continue;
    }
    try {
      if (handler?.resumable && !record.synchronized && opts.steps) {
        const before = await opts.steps.resumeState(record.runId);
        const firstStartedAt = before.firstStartedAt ?? record.startedAt;
        const count = await opts.steps.noteResume(record.runId, firstStartedAt, opts.clock.now());
        const max = opts.maxResumes ?? 5;
        if (count <= max) {
          const reason = before.paused ? 'a shutdown' : 'a crash';
          opts.logger.info(`resuming a run interrupted by ${reason}`, { runId: record.runId, action, resumes: count });
          opts.dispatcher.resume(record, { reason, count, firstStartedAt });
          counts.resumed += 1;
          continue;
        }
        await finalizeInterrupted(record, opts, `interrupted ${count} times: not resumed again (MAX_RESUMES=${max})`);
        counts.interrupted += 1;
        opts.logger.warn(`run interrupted ${count} times: finalized FAILURE (MAX_RESUMES=${max})`, { runId: record.runId, action });
        continue;
      }
      await finalizeInterrupted(record, opts);
      counts.interrupted += 1;
      opts.logger.warn('run interrupted by the restart: finalized FAILURE', { runId: record.runId, action });
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
