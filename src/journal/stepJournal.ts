// The step journal: what a run's earlier executions finished (ctx.step results), which of their reports
// were already journaled, and how often the run was resumed. Async from the start so a store that lives
// across replicas can implement it beside the SQLite one.

/** How the run's previous execution ended without a final status. */
export type InterruptionReason = 'a crash' | 'a shutdown';

export interface ResumeState {
  /** Resumes so far (0: the run never was). */
  resumes: number;
  /** When the run's first execution started (its deadline counts from there); null when unknown. */
  firstStartedAt: number | null;
  /** The previous execution was paused by a shutdown (else, when it stopped without a final status, it crashed). */
  paused: boolean;
}

export interface ReportedCalls {
  /** Call ids of reports earlier executions journaled, with Port's answer when it was recorded (entity writes). */
  answers: Map<string, { answer?: unknown }>;
  /** The run's link list as last sent (Port overwrites it with each PATCH). */
  links: string[];
}

export interface StepJournal {
  /** The run's finished steps: key → the result's JSON (null: the step returned nothing). */
  finishedSteps(runId: string): Promise<Map<string, string | null>>;
  /** Journals a finished step; a key already journaled keeps its first result. */
  recordStep(runId: string, key: string, resultJson: string | null, now: number): Promise<void>;
  reportedCalls(runId: string): Promise<ReportedCalls>;
  /** Keeps Port's answer to a report (an entity write), so a later execution returns it without asking again. */
  recordAnswer(runId: string, callId: string, answerJson: string, now: number): Promise<void>;
  resumeState(runId: string): Promise<ResumeState>;
  /** Counts one more resume (clearing the paused mark); returns the count. */
  noteResume(runId: string, firstStartedAt: number | null, now: number): Promise<number>;
  /** The run's execution was stopped by a shutdown, on purpose, to resume at the next start. */
  notePaused(runId: string, now: number): Promise<void>;
}

/** A journal that lives as long as the process: steps still work, nothing survives a restart (test kit, unit tests). */
export function memoryStepJournal(): StepJournal {
  const steps = new Map<string, Map<string, string | null>>();
  const answers = new Map<string, Map<string, { answer?: unknown }>>();
  const resumes = new Map<string, ResumeState>();
  const stepsOf = (runId: string) => steps.get(runId) ?? steps.set(runId, new Map()).get(runId)!;
  const stateOf = (runId: string) => resumes.get(runId) ?? { resumes: 0, firstStartedAt: null, paused: false };
  return {
    async finishedSteps(runId) {
      return new Map(stepsOf(runId));
    },
    async recordStep(runId, key, resultJson) {
      const of = stepsOf(runId);
      if (!of.has(key)) of.set(key, resultJson);
    },
    async reportedCalls(runId) {
      return { answers: new Map(answers.get(runId) ?? []), links: [] };
    },
    async recordAnswer(runId, callId, answerJson) {
      const of = answers.get(runId) ?? answers.set(runId, new Map()).get(runId)!;
      of.set(callId, { answer: JSON.parse(answerJson) as unknown });
    },
    async resumeState(runId) {
      return { ...stateOf(runId) };
    },
    async noteResume(runId, firstStartedAt) {
      const s = stateOf(runId);
      const next = { resumes: s.resumes + 1, firstStartedAt: s.firstStartedAt ?? firstStartedAt, paused: false };
      resumes.set(runId, next);
      return next.resumes;
    },
    async notePaused(runId) {
      resumes.set(runId, { ...stateOf(runId), paused: true });
    },
  };
}
