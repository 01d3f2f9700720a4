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

  /** Worth trying again later: no answer, 408, 429 or 5xx. Any other 4xx is Port's final word. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }

  /** Port says the run already has its final status (409/422 on a run write). */
  get alreadyFinished(): boolean {
    return this.status === 409 || this.status === 422;
  }
}
