// The only code that turns an outcome into an HTTP answer. Error bodies are exactly {"ok":false,"error":code}:
// statuses come from httpStatusFor, messages stay in the log.
import type { Response } from 'express';
import { httpStatusFor } from '../errors.js';
import type { DispatchResult } from '../runtime/types.js';

/** The deliveries metric label for a dispatch result. */
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'sync_success' | 'sync_failure';

export function sendFailure(res: Response, err: unknown): { status: number; code: string } {
  const answer = httpStatusFor(err);
  if (!res.headersSent) res.status(answer.status).json({ ok: false, error: answer.code });
  return answer;
}

/** Serializes a synchronized handler's result; undefined when it has no JSON form (e.g. a function). */
function resultJson(result: unknown): string | undefined {
  return result === undefined ? undefined : JSON.stringify(result);
}

export function sendDispatchResult(res: Response, result: DispatchResult): DeliveryOutcome {
  switch (result.kind) {
    case 'accepted':
      res.status(202).json({ ok: true, runId: result.runId });
      return 'accepted';
    case 'duplicate':
      res.status(200).json({ ok: true, runId: result.runId, duplicate: true });
      return 'duplicate';
    case 'sync': {
      if (!result.ok) {
        res.status(422).json({ ok: false, error: 'run_failed', message: result.label });
        return 'sync_failure';
      }
      let json: string | undefined;
      try {
        json = resultJson(result.result);
      } catch {
        // Port reads a non-2xx as FAILURE; say why on the run page rather than answering 500.
        res.status(422).json({ ok: false, error: 'run_failed', message: "the handler's result is not JSON-serializable" });
        return 'sync_failure';
      }
      if (json === undefined) res.status(200).json({ ok: true, runId: result.runId });
      else res.status(200).type('application/json').send(json);
      return 'sync_success';
    }
  }
}
