// Trigger through Port's API, for a deployed service: create the run (POST /v1/actions/{id}/runs) as a
// user pressing the button would, then follow it (GET /v1/actions/runs/{id} and its logs) until Port
// has its final status. Port offers no push for runs, so this one polls, once a second by default.
import { setTimeout as sleep } from 'node:timers/promises';
import { PortApiError } from '../port/errors.js';
import type { PortClient } from '../port/client.js';
import { coerceInputs } from '../simulator/devPage/coerceInputs.js';
import { UsageError, type TriggerArgs } from './args.js';
import { finalLine, type TriggerOutput } from './output.js';

const LOG_PAGE = 50;

export interface PortTarget {
  client: Pick<PortClient, 'listActions' | 'createActionRun' | 'getRun' | 'getRunLogs'>;
  pollMs?: number;
}

export async function triggerPort(target: PortTarget, args: TriggerArgs, out: TriggerOutput, signal: AbortSignal): Promise<{ runId: string; code: number }> {
  const { client } = target;
  // The action's definition in Port types the --input text and names bad inputs before anything runs,
  // with the same checks as the local run page.
  const def = (await client.listActions({ signal })).find((a) => a.identifier === args.action && a.trigger.type === 'self-service');
  if (!def) throw new UsageError(`unknown action '${args.action}': Port has no self-service action with that identifier`);
  const coerced = coerceInputs(def, args.inputs);
  if (!coerced.ok) throw new UsageError(coerced.problems.map((p) => `input '${p.input}': ${p.message}`).join('; '));
  let runId: string;
  try {
    const run = await client.createActionRun(args.action, { properties: coerced.inputs, ...(args.entity ? { entity: args.entity } : {}) }, { signal });
    runId = run.id;
  } catch (err) {
    if (err instanceof PortApiError && err.status === 404) throw new UsageError(`unknown action '${args.action}' in Port: ${err.message}`);
    if (err instanceof PortApiError && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 403) {
      throw new UsageError(`Port refused the run of '${args.action}': ${err.message}`);
    }
    throw err;
  }
  out.note(`run ${runId} of ${args.action} created in Port`);
  out.waiting(runId);

  let seen = 0;
  for (;;) {
    // Logs first, then the status: a run that ended after the logs were read gets one more round.
    for (;;) {
      const logs = await client.getRunLogs(runId, { offset: seen, limit: LOG_PAGE }, { signal, runId });
      for (const log of logs) out.line(log.message);
      seen += logs.length;
      if (logs.length < LOG_PAGE) break;
    }
    const run = await client.getRun(runId, { signal, runId });
    out.update(run.status, run.statusLabel ?? null);
    if (run.status === 'SUCCESS' || run.status === 'FAILURE') {
      const tail = await client.getRunLogs(runId, { offset: seen, limit: LOG_PAGE }, { signal, runId });
      for (const log of tail) out.line(log.message);
      out.stop();
      out.line(finalLine(run.status, run.statusLabel));
      return { runId, code: run.status === 'SUCCESS' ? 0 : 1 };
    }
    await sleep(target.pollMs ?? 1000, undefined, { signal });
  }
}
