// ctx.step for one execution of a run: a finished step returns its journaled result without running
// again; a new one runs, and its JSON result is journaled before ctx.step resolves. For a resumable run it
// also names every report by its place in the run (the step it was made in, or the top level, and its
// position there), so reports an earlier execution already journaled are not made again.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../clock.js';
import { CodedError, publicMessage } from '../errors.js';
import type { StepJournal, ReportedCalls } from '../journal/stepJournal.js';
import type { Logger } from '../logger.js';
import type { ReportReplay } from '../reporter/types.js';

/** Which run and step the code running now belongs to (one instance for all runs: cheap per run). */
const current = new AsyncLocalStorage<{ run: object; key: string }>();

export interface RunSteps {
  /** Runs (or skips) one step; `signal` is the run's. */
  step<T>(key: string, fn: () => T | Promise<T>, signal: AbortSignal): Promise<Awaited<T>>;
  /** Set for resumable runs: what the run's reporter consults before every report. */
  readonly replay: ReportReplay | undefined;
  /** Steps finished by earlier executions. */
  readonly finishedBefore: number;
  /** Runs `fn` with its reports named under `scope` (the resume line has its own). */
  inScope<T>(scope: string, fn: () => T): T;
  /** The execution was paused by the shutdown: no more reports or steps; journaled for the next start. */
  pause(): Promise<void>;
}

export interface RunStepsOptions {
  runId: string;
  journal: StepJournal;
  /** Name reports for replay (resumable handlers). */
  resumable: boolean;
  /** An execution after an earlier one: read what that one journaled. */
  reexecution: boolean;
  maxResultBytes: number;
  clock: Clock;
  logger: Logger;
  /**
   * Test kit: asked before a step's fn starts and once it has returned (before its result is journaled);
   * true cuts the execution there, as a crash at that moment would (after: the step runs again on resume).
   */
  interrupt?: (key: string, moment: 'before' | 'after') => boolean;
}

/** Values JSON would silently turn into something else (or drop): refused instead. */
function strictJson(key: string, value: unknown): string | null {
  if (value === undefined) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'function' || typeof v === 'symbol') throw new TypeError(`a ${typeof v} is not JSON`);
      if (v instanceof Map || v instanceof Set) throw new TypeError(`a ${v.constructor.name} is not JSON`);
      return v;
    });
  } catch (err) {
    throw new CodedError('step_failed', `step '${key}': its result is not JSON-serializable (${publicMessage(err)})`, { key });
  }
  if (json === undefined) throw new CodedError('step_failed', `step '${key}': its result is not JSON-serializable`, { key });
  return json;
}

export async function openRunSteps(opts: RunStepsOptions): Promise<RunSteps> {
  const { runId, journal } = opts;
  const finished = opts.reexecution ? await journal.finishedSteps(runId) : new Map<string, string | null>();
  const reported: ReportedCalls = opts.resumable && opts.reexecution ? await journal.reportedCalls(runId) : { answers: new Map(), links: [] };
  const self = {};
  const scopeOf = (): string => {
    const store = current.getStore();
    return store?.run === self ? store.key : 'top';
  };
  const within = <T>(key: string, fn: () => T): T => current.run({ run: self, key }, fn);
  const used = new Set<string>();
  const positions = new Map<string, number>();
  let paused = false;

  const replay: ReportReplay | undefined = opts.resumable
    ? {
        next() {
          if (paused) return null;
          const where = scopeOf();
          const n = positions.get(where) ?? 0;
          positions.set(where, n + 1);
          const callId = `${where}#${n}`;
          const earlier = reported.answers.get(callId);
          return { callId, done: earlier !== undefined, ...(earlier ? { answer: earlier } : {}) };
        },
        answered(callId, answer) {
          let json: string;
          try {
            json = JSON.stringify(answer ?? null);
          } catch {
            return;
          }
          journal.recordAnswer(runId, callId, json, opts.clock.now()).catch((err: unknown) =>
            opts.logger.warn('Port\'s answer to an entity write could not be journaled: a resume would send it again', { runId, error: publicMessage(err) }),
          );
        },
        links: reported.links,
      }
    : undefined;

  return {
    replay,
    finishedBefore: finished.size,
    inScope: within,
    async pause() {
      paused = true;
      await journal.notePaused(runId, opts.clock.now());
    },
    async step<T>(key: string, fn: () => T | Promise<T>, signal: AbortSignal): Promise<Awaited<T>> {
      if (typeof key !== 'string' || key === '') throw new CodedError('step_failed', 'ctx.step needs a non-empty string key');
      if (typeof fn !== 'function') throw new CodedError('step_failed', `step '${key}': ctx.step needs a function`, { key });
      if (used.has(key)) throw new CodedError('step_failed', `step '${key}' is used twice in this run: each step needs its own key`, { key });
      used.add(key);
      if (finished.has(key)) {
        const json = finished.get(key)!;
        return (json === null ? undefined : JSON.parse(json)) as never;
      }
      if (opts.interrupt?.(key, 'before')) throw new CodedError('run_paused', `interrupted before step '${key}'`, { key });
      if (paused || signal.aborted) throw signal.reason ?? new CodedError('run_paused', `step '${key}' not started: the run is stopping`, { key });
      // Scopes are prefixed so a step key can never name the top level or a resume line's scope.
      const value = await within(`step:${key}`, async () => await fn());
      if (opts.interrupt?.(key, 'after')) throw new CodedError('run_paused', `interrupted after step '${key}' ran, before its result was journaled`, { key });
      const json = strictJson(key, value);
      if (json !== null && Buffer.byteLength(json) > opts.maxResultBytes) {
        throw new CodedError(
          'step_failed',
          `step '${key}': its result is ${Buffer.byteLength(json)} bytes of JSON, more than STEP_RESULT_MAX_BYTES=${opts.maxResultBytes}`,
          { key },
        );
      }
      await journal.recordStep(runId, key, json, opts.clock.now());
      // The first execution sees what a resumed one will: the value as JSON gives it back.
      return (json === null ? undefined : JSON.parse(json)) as never;
    },
  };
}

/** Says on Port's page that the run resumed, once per resume (named by it, so a crash right after does not repeat it). */
export async function logResume(steps: RunSteps, reporter: { log(message: string): Promise<void> }, resumed: { reason: string; count: number }): Promise<string> {
  const line = `resumed after ${resumed.reason}: ${steps.finishedBefore} steps already done`;
  await steps.inScope(`resume:${resumed.count}`, () => reporter.log(line)).catch(() => undefined);
  return line;
}
