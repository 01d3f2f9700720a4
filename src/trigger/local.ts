// Trigger through the local Port simulator of `npm start`: the simulator checks the inputs against the
// action's definition, creates the run and delivers it, signed, to the service; the run is followed
// over the simulator's server-sent events (nothing polls).
import type { TriggerArgs } from './args.js';
import { UsageError } from './args.js';
import { finalLine, type TriggerOutput } from './output.js';
import { readSse } from './sse.js';

export interface LocalTarget {
  /** The simulator (`http://127.0.0.1:<SIMULATOR_PORT>`). */
  simulatorUrl: string;
  /** The service (`http://127.0.0.1:<PORT>`), checked first so a stopped service is named. */
  serviceUrl: string;
}

/** Something other than the run went wrong (nothing was run): exit code 2 like a usage error. */
export class SetupError extends Error {
  override name = 'SetupError';
}

async function reachable(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(3000)]) });
    return true;
  } catch {
    return false;
  }
}

export async function triggerLocal(target: LocalTarget, args: TriggerArgs, out: TriggerOutput, signal: AbortSignal): Promise<{ runId: string; code: number } | null> {
  if (!(await reachable(`${target.serviceUrl}/healthz`, signal))) {
    throw new SetupError(`no service answers at ${target.serviceUrl} (PORT): start it with npm start`);
  }
  let res: Response;
  try {
    res = await fetch(`${target.simulatorUrl}/_page/api/actions/${encodeURIComponent(args.action)}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: args.inputs, entity: args.entity ?? undefined, shape: args.shape ?? undefined }),
      signal,
    });
  } catch {
    throw new SetupError(`no local Port simulator at ${target.simulatorUrl} (SIMULATOR_PORT): is npm start running without Port credentials?`);
  }
  const answer = (await res.json().catch(() => null)) as { ok?: boolean; runId?: string; page?: string; error?: string; message?: string } | null;
  if (!answer?.ok || !answer.runId) {
    if (answer?.error && answer.error !== 'not_found') throw new UsageError(answer.message ?? answer.error);
    throw new SetupError(`${target.simulatorUrl} answered ${res.status}: is it the local Port simulator of npm start?`);
  }
  const runId = answer.runId;
  out.note(`run ${runId} of ${args.action} started: ${target.simulatorUrl}${answer.page ?? ''}`);
  out.waiting(runId);
  out.update('IN_PROGRESS', null);

  const events = await fetch(`${target.simulatorUrl}/_page/api/runs/${encodeURIComponent(runId)}/events`, { signal });
  if (!events.ok || !events.body) throw new SetupError(`cannot follow run ${runId}: the simulator answered ${events.status}`);
  for await (const msg of readSse(events.body)) {
    const data = JSON.parse(msg.data) as Record<string, unknown>;
    if (msg.event === 'log') out.line(String(data.message));
    else if (msg.event === 'label') out.update('IN_PROGRESS', (data.statusLabel as string | null) ?? null);
    else if (msg.event === 'delivery') {
      const status = Number(data.status);
      if (status === 0) {
        out.note(`the service did not answer the delivery: ${String(data.error ?? 'no answer')}`);
        return { runId, code: 1 };
      }
      // A synchronized run's status comes from this answer (the `end` event follows); an async one
      // that is not accepted stays open in Port, so say why and stop here.
      if (!data.synchronized && (status < 200 || status >= 300)) {
        const body = data.body as { error?: string; message?: string } | null;
        out.note(`the service refused the delivery: HTTP ${status}${body?.error ? ` ${body.error}` : ''}${body?.message ? `: ${body.message}` : ''}`);
        return { runId, code: 1 };
      }
    } else if (msg.event === 'end') {
      out.stop();
      out.line(finalLine(String(data.status), data.statusLabel as string | null));
      return { runId, code: data.status === 'SUCCESS' ? 0 : 1 };
    } else if (msg.event === 'gone') {
      throw new SetupError(`run ${runId} is gone from the simulator (was npm start restarted?)`);
    }
  }
  if (signal.aborted) return null;
  throw new SetupError(`the simulator closed the stream before run ${runId} ended (was npm start stopped?)`);
}
