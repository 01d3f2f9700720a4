// The service's own POST /webhook and POST /webhook/<action>, read straight off node:http. Express's router
// and body parser were about a fifth of a delivery's CPU time; this path reads the body itself (same limit,
// same 413) and hands it to the same guards as the Express router (delivery.ts), so both answer alike.
// Anything unusual (another method, a query string, an encoded action, a Content-Encoding to inflate) goes
// to the Express app, whose router handles every case.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { CodedError } from '../errors.js';
import type { Delivery } from './delivery.js';
import type { WebhookDeps } from './deps.js';
import { payloadTooLarge } from './rawBody.js';
import { requestScopeFor } from './requestId.js';
import { failureAnswer, writeAnswer, type HttpAnswer } from './respond.js';

const DIRECT_ROUTE = /^\/webhook(?:\/([A-Za-z0-9_-]+))?$/;

/** The URL's action (undefined: none) when the request can take the direct path; null when Express must route it. */
function directRoute(req: IncomingMessage): string | undefined | null {
  if (req.method !== 'POST' || req.headers['content-encoding'] !== undefined) return null;
  const match = DIRECT_ROUTE.exec(req.url ?? '');
  return match ? match[1] : null;
}

/** What Express's error handler did on the router path: a throw (a logger's, say) still gets an answer. */
function answerWith(res: ServerResponse, make: () => HttpAnswer): void {
  try {
    writeAnswer(res, make());
  } catch (err) {
    writeAnswer(res, failureAnswer(err));
  }
}

export function directWebhook(deps: WebhookDeps, delivery: Delivery, fallback: RequestListener): RequestListener {
  const { logger } = deps;
  const limit = deps.config.webhookMaxBodyBytes;
  return (req: IncomingMessage, res: ServerResponse) => {
    const urlAction = directRoute(req);
    if (urlAction === null) {
      fallback(req, res);
      return;
    }
    const scope = requestScopeFor(req.headers, logger);
    res.setHeader('x-request-id', scope.requestId);
    // node's parser has checked the header is a plain number.
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      answerWith(res, () => delivery.refuse(payloadTooLarge(), scope));
      req.resume(); // the rest is read and dropped, so the connection stays usable
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        answerWith(res, () => delivery.refuse(payloadTooLarge(), scope));
        return;
      }
      chunks.push(chunk);
    });
    req.once('error', (err: Error) => {
      if (refused) return;
      refused = true;
      answerWith(res, () => delivery.refuse(new CodedError('invalid_body', `the body could not be read: ${err.message}`, undefined, { cause: err }), scope));
    });
    req.once('end', () => {
      if (refused) return;
      const rawBody = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      delivery.deliver({ rawBody, rawHeaders: req.rawHeaders, headers: req.headers, urlAction, scope }).then(
        (a) => writeAnswer(res, a),
        (err: unknown) => writeAnswer(res, failureAnswer(err)),
      );
    });
  };
}
