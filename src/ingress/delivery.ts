// One delivery through its guards, in order, without Express:
//   timestamp (401) → signature (401) → JSON (400) → normalize (400) → dispatch (200/202/4xx/503)
// The body is read before (with its size limit, 413) by the Express router (webhook.ts) or by the direct
// node:http path (directWebhook.ts); both write the answer this returns.
import type { IncomingHttpHeaders } from 'node:http';
import { normalizeDelivery } from '../normalize/normalize.js';
import { verifyPortSignature } from '../verify/signature.js';
import { checkPortTimestamp } from '../verify/timestamp.js';
import type { WebhookDeps } from './deps.js';
import { singleHeader } from './headers.js';
import { maskSecretInputs } from './maskPayload.js';
import { parseJsonBody } from './parseJson.js';
import { bodyReadError } from './rawBody.js';
import type { RequestScope } from './requestId.js';
import { dispatchAnswer, failureAnswer, type HttpAnswer } from './respond.js';

export interface DeliveryRequest {
  rawBody: Buffer;
  rawHeaders: readonly string[];
  headers: IncomingHttpHeaders;
  /** The action named in the URL (`POST /webhook/:action`). */
  urlAction: string | undefined;
  scope: RequestScope;
}

export interface Delivery {
  /** Never rejects: a refused or failed delivery is answered with its coded error. */
  deliver(req: DeliveryRequest): Promise<HttpAnswer>;
  /** A delivery refused before its body could be read (too large, unreadable): logged, counted, answered. */
  refuse(err: unknown, scope: RequestScope): HttpAnswer;
}

export function createDelivery(deps: WebhookDeps): Delivery {
  const { config, clock, logger, metrics, dispatcher, secrets } = deps;

  /** A rejected or failed delivery: one log line that says what to check, one metric, the coded answer. */
  function refuse(err: unknown, scope: RequestScope): HttpAnswer {
    const coded = bodyReadError(err) ?? err;
    const answer = failureAnswer(coded);
    const { status, code } = answer;
    metrics.deliveries.inc({ outcome: code });
    const message = coded instanceof Error ? coded.message : String(coded);
    if (status >= 500 && code !== 'queue_full' && code !== 'shutting_down' && code !== 'port_unavailable') {
      scope.log.error(`delivery failed: ${message}`, { code, status });
    } else {
      scope.log.warn(`delivery rejected: ${message}`, { code, status });
    }
    return answer;
  }

  async function deliver({ rawBody, rawHeaders, headers, urlAction, scope }: DeliveryRequest): Promise<HttpAnswer> {
    // The scope's child logger is made on first use only: the accepted path logs through `logger` with the
    // request id as a field (the same line), so a delivery costs no logger object.
    const { requestId } = scope;
    try {
      const timestamp = singleHeader(rawHeaders, 'x-port-timestamp');
      checkPortTimestamp(timestamp, clock.now(), config.webhookToleranceSeconds);
      const verified = verifyPortSignature({
        header: singleHeader(rawHeaders, 'x-port-signature'),
        timestamp: timestamp as string, // the timestamp guard refused anything but one string
        rawBody,
        secrets,
      });
      const { value: body, text: payloadJson } = verified.parsed ?? parseJsonBody(rawBody);
      const invocation = normalizeDelivery({ body, headers, urlAction });
      // Payloads may hold user data: debug only.
      if (logger.isDebugEnabled()) scope.log.debug('delivery payload', { runId: invocation.runId, action: invocation.action, payload: maskSecretInputs(body) });

      const result = await dispatcher.dispatch(invocation, { requestId, payloadJson });
      const answer = dispatchAnswer(result);
      const { outcome } = answer;
      metrics.deliveries.inc({ outcome });
      logger.info(`delivery ${outcome}`, { requestId, runId: invocation.runId, action: (result.kind === 'accepted' && result.action) || invocation.action, outcome });
      return answer;
    } catch (err) {
      return refuse(err, scope);
    }
  }

  return { deliver, refuse };
}
