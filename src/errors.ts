// Every error the service answers or reports carries a stable `code`. HTTP statuses are decided here and
// only here, so a downstream status (Port's 404, a handler's own error) can never leak to a caller.

export const HTTP_STATUS_BY_CODE = {
  payload_too_large: 413,
  missing_timestamp: 401,
  invalid_timestamp: 401,
  stale_timestamp: 401,
  missing_signature: 401,
  invalid_signature: 401,
  invalid_json: 400,
  missing_run_id: 400,
  unknown_run: 400,
  action_mismatch: 400,
  run_in_progress: 409,
  queue_full: 503,
  shutting_down: 503,
  port_unavailable: 503,
  journal_unavailable: 503,
  store_unavailable: 503,
  body_already_parsed: 500,
  internal_error: 500,
  // Ingress routing and unreadable bodies (bad Content-Encoding, aborted upload).
  invalid_body: 400,
  not_found: 404,
  method_not_allowed: 405,
} as const;

export type HttpErrorCode = keyof typeof HTTP_STATUS_BY_CODE;

/** Codes that never become an HTTP answer (startup, handler-facing and Port-facing failures). */
export type InternalErrorCode =
  | 'config_invalid'
  | 'handler_load_failed'
  | 'run_finished'
  | 'decrypt_failed'
  | 'port_api_error'
  | 'invalid_inputs'
  | 'invalid_entity'
  | 'unknown_action'
  | 'invalid_action_definition'
  | 'port_refused'
  /** A worker that lost a run (another one took it over) tried to write for it. */
  | 'run_fenced';

export type ErrorCode = HttpErrorCode | InternalErrorCode;

export class CodedError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodedError';
    this.code = code;
    this.details = details;
  }
}

export function isCodedError(err: unknown, code?: ErrorCode): err is CodedError {
  return err instanceof CodedError && (code === undefined || err.code === code);
}

/** The HTTP status for a code; anything not ours is a 500 with no internals. */
export function httpStatusFor(err: unknown): { status: number; code: HttpErrorCode } {
  if (err instanceof CodedError && err.code in HTTP_STATUS_BY_CODE) {
    const code = err.code as HttpErrorCode;
    return { status: HTTP_STATUS_BY_CODE[code], code };
  }
  return { status: 500, code: 'internal_error' };
}

/** A message safe to show on Port's run page: the first line only, never a stack. */
export function publicMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : 'handler failed';
  const firstLine = (raw || 'handler failed').split('\n')[0].trim();
  return firstLine.length > 500 ? `${firstLine.slice(0, 497)}...` : firstLine || 'handler failed';
}
