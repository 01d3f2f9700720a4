// Completes a delivery with what Port says about its run (GET /v1/actions/runs/{id}). Needed when the body
// names no action, when only Port knows the run's blueprint, and always when the run id came only from
// the unsigned RUN_ID header: a captured signed body re-posted with a made-up or finished run id must not run.
import { CodedError } from '../errors.js';
import type { Invocation } from './invocation.js';

/** Port's view of a run. */
export interface PortRunFacts {
  action: string;
  blueprint: string | null;
  /** IN_PROGRESS, SUCCESS, FAILURE… (absent when Port's answer did not say). */
  status?: string;
}

/** The invocation with Port's action and blueprint filled in, or throws `unknown_run` when Port's run contradicts it. */
export function withPortRun(invocation: Invocation, run: PortRunFacts): Invocation {
  const { runId } = invocation;
  if (invocation.action !== null && invocation.action !== run.action) {
    throw new CodedError('unknown_run', `Port's run ${runId} is of action '${run.action}', not '${invocation.action}'`);
  }
  if (invocation.runIdFromHeader && run.status !== 'IN_PROGRESS') {
    throw new CodedError('unknown_run', `Port's run ${runId} is ${run.status ?? 'of unknown status'}, not IN_PROGRESS: a run id from the RUN_ID header is only accepted for a running run`);
  }
  return { ...invocation, action: run.action, blueprint: invocation.blueprint ?? run.blueprint };
}
