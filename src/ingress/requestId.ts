// Every request gets an id (the caller's x-request-id when it looks sane, else a UUID), echoed back as a
// response header and bound to a child logger, so every log line about the request carries it.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';

const SANE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_ID.test(header) ? header : randomUUID();
}

export interface RequestScope {
  requestId: string;
  /** A child logger bound to the request id, made on first use (most requests log nothing below info). */
  readonly log: Logger;
}

/** The scope of a request with these headers: the id is the caller's when it looks sane, else a new one. */
export function requestScopeFor(headers: IncomingHttpHeaders, logger: Logger): RequestScope {
  return scope(requestIdFrom(headers['x-request-id']), logger);
}

function scope(requestId: string, logger: Logger): RequestScope {
  let child: Logger | undefined;
  return {
    requestId,
    get log() {
      return (child ??= logger.child({ requestId }));
    },
  };
}

/** Idempotent, so both the whole app and the mountable webhook router can use it. */
export function requestScope(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (res.locals.requestScope === undefined) {
      const s = requestScopeFor(req.headers, logger);
      res.setHeader('x-request-id', s.requestId);
      res.locals.requestScope = s;
    }
    next();
  };
}

export function scopeOf(res: Response, fallback: Logger): RequestScope {
  return (res.locals.requestScope as RequestScope | undefined) ?? { requestId: 'unknown', log: fallback };
}
