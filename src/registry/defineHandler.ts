import type { z } from 'zod';
import { MAX_TIMER_MS } from '../config.js';
import type { RunContext } from '../runtime/context.js';

export interface HandlerSpec<Schema extends z.ZodType | undefined = undefined> {
  /** Port action identifier(s) this handler runs. */
  action: string | string[];
  /** Validates the run's inputs; ctx.inputs is typed from it. Invalid inputs end the run FAILURE naming the fields. */
  inputs?: Schema;
  /** Matches a Port action with "synchronized": true: Port takes the run's status from our HTTP answer. */
  synchronized?: boolean;
  /** Per-run deadline; default RUN_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Run again after a crash interrupted it (default: finalize FAILURE "interrupted"). Only for idempotent handlers. */
  retryOnRestart?: boolean;
  /**
   * Resume after a crash or a shutdown instead of failing: the run is executed again, its finished
   * ctx.step steps skipped and its reports not repeated. Not with retryOnRestart or synchronized.
   */
  resumable?: boolean;
  // Without a schema the inputs are whatever Port sent, untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(ctx: RunContext<Schema extends z.ZodType ? z.output<Schema> : Record<string, any>>): Promise<unknown>;
}

const HANDLER = Symbol.for('port-action-runner.handler');

export interface Handler extends HandlerSpec<z.ZodType | undefined> {
  readonly [HANDLER]: true;
  readonly actions: readonly string[];
}

/** Marks a handler module's default export; validates the spec so a bad handler fails at startup. */
export function defineHandler<Schema extends z.ZodType | undefined = undefined>(spec: HandlerSpec<Schema>): Handler {
  const actions = Array.isArray(spec.action) ? spec.action : [spec.action];
  if (actions.length === 0 || actions.some((a) => typeof a !== 'string' || a.trim() === '')) {
    throw new TypeError('defineHandler: "action" must be a non-empty string or array of strings');
  }
  if (typeof spec.run !== 'function') throw new TypeError('defineHandler: "run" must be a function');
  if (spec.timeoutMs !== undefined && !(Number.isInteger(spec.timeoutMs) && spec.timeoutMs > 0 && spec.timeoutMs <= MAX_TIMER_MS)) {
    throw new TypeError(`defineHandler: "timeoutMs" must be a positive integer of at most ${MAX_TIMER_MS} (about 24.8 days)`);
  }
  if (spec.resumable && spec.retryOnRestart) {
    throw new TypeError('defineHandler: "resumable" and "retryOnRestart" cannot both be set (resumable already executes the run again, skipping finished steps)');
  }
  if (spec.resumable && spec.synchronized) {
    throw new TypeError('defineHandler: "resumable" cannot be set on a synchronized handler (Port takes its status from the one HTTP answer)');
  }
  if (spec.inputs !== undefined && typeof (spec.inputs as z.ZodType).safeParse !== 'function') {
    throw new TypeError('defineHandler: "inputs" must be a zod schema');
  }
  return Object.freeze({ ...(spec as HandlerSpec<z.ZodType | undefined>), actions: Object.freeze([...actions]), [HANDLER]: true as const });
}

export function isHandler(value: unknown): value is Handler {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[HANDLER] === true;
}
