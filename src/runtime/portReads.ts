// ctx.port: Port reads for a handler, on the service's Port client (shared token, retries, rate limits),
// bound to the run's signal. Port's refusals become coded errors a handler can branch on.
import { CodedError, type ErrorCode } from '../errors.js';
import { PortApiError } from '../port/errors.js';
import type { PortBlueprint, PortEntity, PortReadApi, PortRun, SearchQuery } from '../port/types.js';

export interface PortReads {
  getEntity(blueprint: string, identifier: string): Promise<PortEntity>;
  /** Port's search rules, across blueprints or within `opts.blueprint`. */
  searchEntities(query: SearchQuery, opts?: { blueprint?: string }): Promise<PortEntity[]>;
  getBlueprint(identifier: string): Promise<PortBlueprint>;
  getRun(runId: string): Promise<PortRun>;
}

/** A Port read that failed: `not_found` (404), `port_unavailable` (no answer, 429/5xx after retries), `port_refused` (any other). */
export class PortReadError extends CodedError {
  readonly status: number;
  readonly portError: string | null;
  readonly traceId: string | null;

  constructor(code: ErrorCode, err: PortApiError) {
    super(code, err.message, { status: err.status, portError: err.portError, route: err.route }, { cause: err });
    this.name = 'PortReadError';
    this.status = err.status;
    this.portError = err.portError;
    this.traceId = err.traceId;
  }
}

function coded(err: unknown): unknown {
  if (!(err instanceof PortApiError)) return err;
  if (err.status === 404) return new PortReadError('not_found', err);
  if (err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500) return new PortReadError('port_unavailable', err);
  return new PortReadError('port_refused', err);
}

async function wrap<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw coded(err);
  }
}

export function createPortReads(api: PortReadApi | null, run: { runId: string; action: string; signal: AbortSignal }): PortReads {
  const opts = () => ({ runId: run.runId, action: run.action, signal: run.signal });
  const port = (): PortReadApi => {
    if (!api) throw new CodedError('port_refused', 'ctx.port is not available here (no Port client was given to this run)');
    return api;
  };
  return {
    getEntity: (blueprint, identifier) => wrap(port().getEntity(blueprint, identifier, opts())),
    searchEntities: (query, o) => wrap(port().searchEntities(query, o?.blueprint, opts())),
    getBlueprint: (identifier) => wrap(port().getBlueprint(identifier, opts())),
    getRun: (runId) => wrap(port().getRun(runId, opts())),
  };
}
