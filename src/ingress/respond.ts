// The only code that turns an outcome into an HTTP answer. Error bodies are exactly {"ok":false,"error":code}:
// statuses come from httpStatusFor, messages stay in the log. Answers are computed first and written by
// writeAnswer, so the Express routes and the direct node:http webhook path answer byte for byte alike.
import type { ServerResponse } from 'node:http';
import { httpStatusFor } from '../errors.js';
import type { DispatchResult } from '../runtime/types.js';

/** The deliveries metric label for a dispatch result. */
export type DeliveryOutcome = 'accepted' | 'duplicate' | 'sync_success' | 'sync_failure';

/** A JSON answer: status and body text. */
export interface HttpAnswer {
  status: number;
  json: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Writes the answer unless one was already sent (works on Express's response, which is node's). */
export function writeAnswer(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent) return;
  res.statusCode = answer.status;
  res.setHeader('content-type', JSON_TYPE);
  res.setHeader('content-length', Buffer.byteLength(answer.json));
  res.end(answer.json);
}

export function failureAnswer(err: unknown): HttpAnswer & { code: string } {
  const { status, code } = httpStatusFor(err);
  return { status, code, json: JSON.stringify({ ok: false, error: code }) };
}

export function sendFailure(res: ServerResponse, err: unknown): { status: number; code: string } {
  const answer = failureAnswer(err);
  writeAnswer(res, answer);
  return answer;
}

/** Serializes a synchronized handler's result; undefined when it has no JSON form (e.g. a function). */
function resultJson(result: unknown): string | undefined {
  return result === undefined ? undefined : JSON.stringify(result);
}

export function dispatchAnswer(result: DispatchResult): HttpAnswer & { outcome: DeliveryOutcome } {
  switch (result.kind) {
    case 'accepted':
      return { outcome: 'accepted', status: 202, json: JSON.stringify({ ok: true, runId: result.runId }) };
    case 'duplicate':
      return { outcome: 'duplicate', status: 200, json: JSON.stringify({ ok: true, runId: result.runId, duplicate: true }) };
    case 'sync': {
      if (!result.ok) return { outcome: 'sync_failure', status: 422, json: JSON.stringify({ ok: false, error: 'run_failed', message: result.label }) };
      let json: string | undefined;
      try {
        json = resultJson(result.result);
      } catch {
        // Port reads a non-2xx as FAILURE; say why on the run page rather than answering 500.
        const message = "the handler's result is not JSON-serializable";
        return { outcome: 'sync_failure', status: 422, json: JSON.stringify({ ok: false, error: 'run_failed', message }) };
      }
      return { outcome: 'sync_success', status: 200, json: json ?? JSON.stringify({ ok: true, runId: result.runId }) };
    }
  }
}
