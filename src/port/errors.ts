import { isRetryableStatus } from './retry.js';

/** A Port API call that failed for good (after retries): what Port said, for logs and the journal. */
export class PortApiError extends Error {
  readonly code = 'port_api_error' as const;
  /** HTTP status, or 0 when no answer came (network error, budget exhausted). */
  readonly status: number;
  /** Port's `error` field, e.g. `not_found`. */
  readonly portError: string | null;
  readonly traceId: string | null;
  readonly route: string;

  constructor(init: { status: number; portError?: string | null; message: string; traceId?: string | null; route: string; cause?: unknown }) {
    super(init.message, { cause: init.cause });
    this.name = 'PortApiError';
    this.status = init.status;
    this.portError = init.portError ?? null;
    this.traceId = init.traceId ?? null;
    this.route = init.route;
  }

  /**
   * Worth trying again later: no answer, 408, 429 or 5xx — or Port refusing our credentials (401/403: a
   * rotated secret or an IP allow-list is an operator's fix, and the reports must survive until then).
   * Any other 4xx is Port's final word on that request.
   */
  get transient(): boolean {
    return isRetryableStatus(this.status) || this.status === 401 || this.status === 403;
  }
}
