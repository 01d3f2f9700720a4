// POST /webhook and POST /webhook/:action as an Express router: reads the raw body (413 over the limit),
// then hands it to the delivery's guards (delivery.ts) and writes their answer.
// The router carries its own body parser, request scope and error handler, so users can mount it into
// their own Express app (before any JSON parser). The service itself serves the common case without
// Express (directWebhook.ts) and the rest through this router.
import { Router } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { CodedError } from '../errors.js';
import { createDelivery, type Delivery } from './delivery.js';
import type { WebhookDeps } from './deps.js';
import { rawBodyParser, readRawBody } from './rawBody.js';
import { requestScope, scopeOf } from './requestId.js';
import { sendFailure, writeAnswer } from './respond.js';

const WEBHOOK_PATHS = ['/webhook', '/webhook/:action'];

export function createWebhookRouter(deps: WebhookDeps, delivery: Delivery = createDelivery(deps)): Router {
  const { config, logger } = deps;
  const router = Router();

  async function deliver(req: Request, res: Response): Promise<void> {
    const scope = scopeOf(res, logger);
    let rawBody: Buffer;
    try {
      rawBody = readRawBody(req);
    } catch (err) {
      writeAnswer(res, delivery.refuse(err, scope));
      return;
    }
    const urlAction = typeof req.params.action === 'string' ? req.params.action : undefined;
    writeAnswer(res, await delivery.deliver({ rawBody, rawHeaders: req.rawHeaders, headers: req.headers, urlAction, scope }));
  }

  // Reached only for errors raised inside these routes (body read errors, chiefly).
  function onRouteError(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
    writeAnswer(res, delivery.refuse(err, scopeOf(res, logger)));
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
