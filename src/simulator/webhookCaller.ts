// The simulator's webhook caller: POSTs a run to a webhook URL the way Port does: compact JSON body, `x-port-timestamp` (seconds) and
// `x-port-signature` = v1,base64(HMAC-SHA256(clientSecret, `<timestamp>.<body>`)) over the exact bytes sent.
import type { Clock } from '../clock.js';
import type { PortEntity } from '../port/types.js';
import { signPortWebhook } from '../verify/sign.js';
import { renderDelivery, type DeliveryShape } from './payloads.js';
import type { SimRuns } from './runs.js';
import type { Recorder } from './recorder.js';

export interface DeliverOptions {
  /** The service's webhook URL (for 'url-action' the base: the action id is appended). */
  url: string;
  /** Deliver an existing run; a new IN_PROGRESS run is created when absent or unknown. */
  runId?: string;
  action: string;
  shape: DeliveryShape;
  inputs?: Record<string, unknown>;
  /** The day-2 entity (full object, as Port embeds it). */
  entity?: PortEntity | null;
  blueprint?: string | null;
  /** Signing secret; defaults to the simulator's client secret, as Port signs with it. */
  secret?: string;
  /** x-port-timestamp as sent; defaults to now in seconds. */
  timestamp?: string | number;
  /** Port sets the run's status from the answer (2xx SUCCESS, else FAILURE). */
  synchronized?: boolean;
  /** Extra headers from the action's invocation method. */
  headers?: Record<string, string>;
  /** Abort the request after this long (Port's own limit is undocumented; port-agent uses 30 s). */
  timeoutMs?: number;
}

export interface DeliveryResult {
  runId: string;
  /** HTTP status of the answer, 0 when none came (network error, timeout). */
  status: number;
  /** Parsed JSON answer, else its text; null when none came. */
  body: unknown;
  error?: string;
}

export interface WebhookCallerDeps {
  runs: SimRuns;
  recorder: Recorder;
  clock: Clock;
  defaultSecret: string;
}

export async function callWebhook(deps: WebhookCallerDeps, opts: DeliverOptions): Promise<DeliveryResult> {
  const existing = opts.runId ? deps.runs.find(opts.runId) : undefined;
  const run =
    existing ??
    deps.runs.create({
      runId: opts.runId,
      action: opts.action,
      blueprint: opts.blueprint ?? opts.entity?.blueprint ?? null,
      properties: opts.inputs ?? {},
      entity: opts.entity?.identifier ?? null,
      source: 'UI',
    });
  const rendered = renderDelivery({
    shape: opts.shape,
    runId: run.id,
    action: opts.action,
    blueprint: opts.blueprint ?? opts.entity?.blueprint ?? run.blueprint?.identifier ?? null,
    inputs: opts.inputs ?? {},
    entity: opts.entity ?? null,
    url: opts.url,
    at: new Date(deps.clock.now()).toISOString(),
  });
  const synchronized = opts.synchronized ?? false;
  const headers = { ...rendered.headers, ...(opts.headers ?? {}) };
  run.payload = { type: 'WEBHOOK', url: rendered.url, agent: false, synchronized, method: 'POST', headers, body: rendered.body };

  const raw = JSON.stringify(rendered.body);
  const timestamp = String(opts.timestamp ?? Math.floor(deps.clock.now() / 1000));
  const signature = signPortWebhook(opts.secret ?? deps.defaultSecret, timestamp, raw);
  let result: DeliveryResult;
  try {
    const res = await fetch(rendered.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, 'x-port-timestamp': timestamp, 'x-port-signature': signature },
      body: raw,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    result = { runId: run.id, status: res.status, body };
  } catch (err) {
    result = { runId: run.id, status: 0, body: null, error: err instanceof Error ? err.message : String(err) };
  }

  if (synchronized && !deps.runs.settleSynchronized(run.id, result.status, result.body)) {
    // In sync mode Port owns the final status; a backend that also PATCHed one would get a 422 from Port.
    deps.recorder.violation({
      kind: 'semantics',
      method: 'POST',
      path: rendered.url,
      route: null,
      message: `synchronized run ${run.id} already had a final status when the webhook answered`,
    });
  }
  return result;
}
