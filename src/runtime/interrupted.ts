// What becomes of a run whose execution stopped without a final status (its process crashed, was killed, or
// paused it at a shutdown): the one decision recovery (one instance, at start-up) and a worker taking over
// a dead replica's run (many replicas) both make. Run again from the top when the handler says that is
// safe (retryOnRestart); resumed from its last finished step when it is resumable, at most MAX_RESUMES
// times; else finalized FAILURE.
import type { Clock } from '../clock.js';
import type { RunRecord } from '../journal/store.js';
import type { StepJournal } from '../journal/stepJournal.js';
import type { Registry } from '../registry/registry.js';
import type { ResumeInfo } from './dispatcher.js';

export type InterruptedPlan = { kind: 'rerun' } | { kind: 'resume'; resumed: ResumeInfo } | { kind: 'fail'; label?: string };

export interface PlanOptions {
  registry: Registry;
  clock: Clock;
  /** Where resumable runs' steps and resumes are journaled; without it they are finalized FAILURE. */
  steps?: StepJournal;
  maxResumes?: number;
}

export async function planInterrupted(record: RunRecord, opts: PlanOptions): Promise<InterruptedPlan> {
  const action = record.action ?? record.invocation.action;
  const handler = action ? opts.registry.resolve(action, record.invocation.blueprint)?.handler : undefined;
  if (record.synchronized) return { kind: 'fail' }; // its answer was Port's to wait for, and that is gone
  if (handler?.retryOnRestart) return { kind: 'rerun' };
  if (!handler?.resumable || !opts.steps) return { kind: 'fail' };
  const before = await opts.steps.resumeState(record.runId);
  const firstStartedAt = before.firstStartedAt ?? record.startedAt;
  const count = await opts.steps.noteResume(record.runId, firstStartedAt, opts.clock.now());
  const max = opts.maxResumes ?? 5;
  if (count > max) return { kind: 'fail', label: `interrupted ${count} times: not resumed again (MAX_RESUMES=${max})` };
  return { kind: 'resume', resumed: { reason: before.paused ? 'a shutdown' : 'a crash', count, firstStartedAt } };
}
