// The whole HTTP surface: the webhook routes plus health, readiness and metrics. Anything else is 404.
// A plain POST /webhook takes the direct node:http path; everything else goes through Express.
import type { RequestListener } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { CodedError } from '../errors.js';
import { createDelivery } from './delivery.js';
import type { IngressDeps, ReadinessReport } from './deps.js';
import { directWebhook } from './directWebhook.js';
import { requestScope, scopeOf } from './requestId.js';
import { sendFailure } from './respond.js';
import { createWebhookRouter } from './webhook.js';

/** The request listener to serve (`http.createServer(listener)`, or supertest's `request(listener)`). */
export function createIngressApp(deps: IngressDeps): RequestListener {
  const { logger, metrics, readiness } = deps;
  const app = express();
  // No per-response hashing or banner on the hot path.
  app.set('etag', false);
  app.set('x-powered-by', false);

  const webhook = deps.webhook !== false;
  const delivery = createDelivery(deps);
  app.use(requestScope(logger));
  if (webhook) app.use(createWebhookRouter(deps, delivery));

  app.get('/healthz', (_req, res) => {
    res.status(200).json({ ok: true });
  });

  app.get('/readyz', async (_req, res) => {
    let report: ReadinessReport;
    try {
      report = await readiness();
    } catch (err) {
      scopeOf(res, logger).log.error(`readiness check threw: ${err instanceof Error ? err.message : String(err)}`);
      report = { ok: false, checks: { readiness: { ok: false, detail: 'readiness check failed' } } };
    }
    res.status(report.ok ? 200 : 503).json({ ok: report.ok, checks: report.checks });
  });

  app.get('/metrics', async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.status(200).type(metrics.registry.contentType).send(text);
  });

  app.use((_req: Request, res: Response) => {
    sendFailure(res, new CodedError('not_found', 'no such route'));
  });

  // Last resort (e.g. a malformed URL escape): coded answer, message in the log, no internals out.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: unknown } | null)?.status;
    const coded =
      typeof status === 'number' && status >= 400 && status < 500
        ? new CodedError('not_found', 'unroutable request', undefined, { cause: err })
        : err;
    const answer = sendFailure(res, coded);
    if (answer.status >= 500) scopeOf(res, logger).log.error(`request failed: ${err instanceof Error ? err.message : String(err)}`);
  });

  return webhook ? directWebhook(deps, delivery, app) : app;
}
