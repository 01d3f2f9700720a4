// POST /webhook and POST /webhook/:action: the delivery's guards in order, then the dispatcher.
// One delivery, one pass, top to bottom:
//   raw body (413) → timestamp (401) → signature (401) → JSON (400) → normalize (400) → dispatch (200/202/4xx/503)
// The router carries its own body parser, request scope and error handler, so users can mount it into
// their own Express app (before any JSON parser).
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { CodedError } from '../errors.js';
import { normalizeDelivery } from '../normalize/normalize.js';
import { maskSecretInputs } from './maskPayload.js';
import { verifyPortSignature } from '../verify/signature.js';
import { checkPortTimestamp } from '../verify/timestamp.js';
import type { WebhookDeps } from './deps.js';
import { singleHeader } from './headers.js';
import { parseJsonBody } from './parseJson.js';
import { bodyReadError, rawBodyParser, readRawBody } from './rawBody.js';
import { requestScope, scopeOf } from './requestId.js';
import { sendDispatchResult, sendFailure } from './respond.js';

const WEBHOOK_PATHS = ['/webhook', '/webhook/:action'];

export function createWebhookRouter(deps: WebhookDeps): Router {
  const { config, clock, logger, metrics, dispatcher, secrets } = deps;
  const router = Router();

  /** A rejected or failed delivery: one log line that says what to check, one metric, the coded answer. */
  function reject(err: unknown, res: Response): void {
    const { log } = scopeOf(res, logger);
    const coded = bodyReadError(err) ?? err;
    const { status, code } = sendFailure(res, coded);
    metrics.deliveries.inc({ outcome: code });
    const message = coded instanceof Error ? coded.message : String(coded);
    if (status >= 500 && code !== 'queue_full' && code !== 'shutting_down' && code !== 'port_unavailable') {
      log.error(`delivery failed: ${message}`, { code, status });
    } else {
      log.warn(`delivery rejected: ${message}`, { code, status });
    }
  }

  async function deliver(req: Request, res: Response): Promise<void> {
    // The scope's child logger is made on first use only: the accepted path logs through `logger` with the
    // request id as a field (the same line), so a delivery costs no logger object.
    const scope = scopeOf(res, logger);
    const { requestId } = scope;
    try {
      const rawBody = readRawBody(req);
      const timestamp = singleHeader(req.rawHeaders, 'x-port-timestamp');
      checkPortTimestamp(timestamp, clock.now(), config.webhookToleranceSeconds);
      const verified = verifyPortSignature({
        header: singleHeader(req.rawHeaders, 'x-port-signature'),
        timestamp: timestamp as string, // the timestamp guard refused anything but one string
        rawBody,
        secrets,
      });
      const { value: body, text: payloadJson } = verified.parsed ?? parseJsonBody(rawBody);
      const urlAction = typeof req.params.action === 'string' ? req.params.action : undefined;
      const invocation = normalizeDelivery({ body, headers: req.headers, urlAction });
      // Payloads may hold user data: debug only.
      if (logger.isDebugEnabled()) scope.log.debug('delivery payload', { runId: invocation.runId, action: invocation.action, payload: maskSecretInputs(body) });

      const result = await dispatcher.dispatch(invocation, { requestId, payloadJson });
      const outcome = sendDispatchResult(res, result);
      metrics.deliveries.inc({ outcome });
      logger.info(`delivery ${outcome}`, { requestId, runId: invocation.runId, action: (result.kind === 'accepted' && result.action) || invocation.action, outcome });
    } catch (err) {
      reject(err, res);
    }
  }

  // Reached only for errors raised inside these routes (body read errors, chiefly).
  function onRouteError(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
    reject(err, res);
  }

  function methodNotAllowed(_req: Request, res: Response): void {
    res.setHeader('allow', 'POST');
    sendFailure(res, new CodedError('method_not_allowed', 'webhook routes accept POST only'));
  }

  for (const path of WEBHOOK_PATHS) {
    router
      .route(path)
      .post(requestScope(logger), rawBodyParser(config.webhookMaxBodyBytes), deliver, onRouteError)
      .all(requestScope(logger), methodNotAllowed);
  }
  return router;
}
