// Signed deliveries shaped like Port's v1 webhook envelope (~500 bytes), each with a fresh run id and the
// current timestamp, signed as Port signs them. autocannon calls setupRequest before every request, so no
// two requests in a benchmark share a run id (the service would answer duplicates without running them).
import { randomBytes } from 'node:crypto';
import type autocannon from 'autocannon';
import { signPortWebhook } from '../../src/verify/sign.js';

/** BENCH_BODY_BYTES: pad every delivery to about this size (a `notes` input); unset, ~527 bytes. */
const PAD_TO = Number(process.env.BENCH_BODY_BYTES ?? '0') || 0;

/** Body of a v1 delivery for `action` (the shape of test/fixtures/port-webhook-v1-create.json). */
export function deliveryBody(runId: string, action: string): string {
  const body = unpaddedBody(runId, action);
  if (body.length >= PAD_TO) return body;
  return unpaddedBody(runId, action, 'n'.repeat(PAD_TO - body.length - ',"notes":""'.length));
}

function unpaddedBody(runId: string, action: string, notes?: string): string {
  return JSON.stringify({
    action,
    resourceType: 'run',
    status: 'TRIGGERED',
    trigger: {
      by: { userId: 'auth0|bench-user-0001', orgId: 'org_benchmark0001' },
      at: new Date().toISOString(),
      origin: 'UI',
    },
    context: { entity: null, blueprint: 'service', runId },
    payload: {
      entity: null,
      action: { identifier: action, blueprint: 'service', trigger: 'CREATE', invocationMethod: { type: 'WEBHOOK' } },
      properties: { name: 'bench-service', region: 'eu-west-1', replicas: 2, owner: 'platform-team', tier: 'standard', ...(notes === undefined ? {} : { notes }) },
    },
  });
}

/** Port's headers for `body` signed with `secret` now (x-port-timestamp in seconds, as Port sends it). */
export function signedHeaders(secret: string, body: string, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'content-type': 'application/json',
    'x-port-timestamp': timestamp,
    'x-port-signature': signPortWebhook(secret, timestamp, body),
  };
}

export interface DeliveryOptions {
  secret: string;
  action: string;
  path?: string;
  /** Called with every run id sent (e.g. to pre-create the runs in the simulator). */
  onRunId?: (runId: string) => void;
}

/**
 * A unique run id source. Port's run ids are random (`r_` and 16 letters or digits), which costs the journal
 * more per insert than ids in order (each lands on another index page): `random`, the default, is shaped
 * like Port's; BENCH_RUN_IDS=sequential gives a random prefix per generator, then a counter.
 */
export function runIdSource(): () => string {
  if (process.env.BENCH_RUN_IDS === 'sequential') {
    const prefix = `r_b${randomBytes(4).toString('hex')}`;
    let n = 0;
    return () => `${prefix}${(++n).toString(36)}`;
  }
  // Unique per process: a counter keeps ids from colliding, random bits in front spread them like Port's.
  let n = 0;
  return () => `r_b${randomBytes(8).toString('base64url').slice(0, 10)}${(++n).toString(36)}`;
}

/** autocannon `requests` that send a new signed delivery each time. */
export function signedRequests(opts: DeliveryOptions): autocannon.Request[] {
  const nextRunId = runIdSource();
  const path = opts.path ?? '/webhook';
  return [
    {
      method: 'POST',
      path,
      setupRequest: (request: autocannon.Request) => {
        const runId = nextRunId();
        opts.onRunId?.(runId);
        const body = deliveryBody(runId, opts.action);
        return { ...request, method: 'POST', path, body, headers: signedHeaders(opts.secret, body) };
      },
    },
  ];
}
