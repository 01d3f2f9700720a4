// The webhook route reads the body itself, as bytes, because the signature covers the bytes.
// No Content-Type is required (Port documents none). A body another middleware already consumed is a
// deployment mistake, reported loudly instead of surfacing as a baffling signature failure.
import express from 'express';
import type { Request, RequestHandler } from 'express';
import { CodedError } from '../errors.js';

const ALREADY_PARSED =
  'a JSON body parser runs before the webhook route; mount the webhook router first (before express.json() or any body parser)';

export function rawBodyParser(limitBytes: number): RequestHandler {
  return express.raw({ type: () => true, limit: limitBytes });
}

function announcesBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The raw body bytes, or throws `body_already_parsed`. */
export function readRawBody(req: Request): Buffer {
  const body: unknown = req.body;
  if (Buffer.isBuffer(body)) return body;
  // The raw parser skips a stream someone else already read, leaving either their result or nothing.
  if (body !== undefined || announcesBody(req)) throw new CodedError('body_already_parsed', ALREADY_PARSED);
  return Buffer.alloc(0);
}

export function payloadTooLarge(cause?: unknown): CodedError {
  return new CodedError('payload_too_large', 'the body exceeds WEBHOOK_MAX_BODY_BYTES', undefined, cause === undefined ? undefined : { cause });
}

/** Maps a body-parser failure to our code; undefined when the error is not a body read error. */
export function bodyReadError(err: unknown): CodedError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large' || status === 413) return payloadTooLarge(err);
  if (type === 'stream.not.readable') return new CodedError('body_already_parsed', ALREADY_PARSED, undefined, { cause: err });
  if (typeof type === 'string' || (typeof status === 'number' && status >= 400 && status < 500)) {
    const reason = err instanceof Error ? err.message : String(type);
    return new CodedError('invalid_body', `the body could not be read: ${reason}`, undefined, { cause: err });
  }
  return undefined;
}
