import type { Invocation } from '../normalize/invocation.js';

export type DispatchResult =
  /** `action`: the id Port sent, once known (it may have been looked up). */
  | { kind: 'accepted'; runId: string; action?: string }
  | { kind: 'duplicate'; runId: string }
  /** A synchronized run finished within the request: 200 with `result`, or 422 with the failure label. */
  | { kind: 'sync'; runId: string; ok: true; result: unknown }
  | { kind: 'sync'; runId: string; ok: false; label: string };

export interface DispatchMeta {
  requestId: string;
  /** The JSON text the invocation's payload was parsed from, for the journal to store as it is. */
  payloadJson?: string;
}

/**
 * What the ingress hands a normalized delivery to. Throws CodedError `queue_full`, `shutting_down`,
 * `port_unavailable` (the action had to be looked up and Port was unreachable) or `unknown_run`.
 */
export interface Dispatcher {
  dispatch(invocation: Invocation, meta: DispatchMeta): Promise<DispatchResult>;
}
