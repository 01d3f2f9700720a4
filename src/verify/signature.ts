// Guard 3: the x-port-signature header, `v1,<base64 HMAC-SHA256(secret, "<timestamp>.<body>")>`, possibly
// several whitespace-separated entries. Port's senders disagree on which bytes they sign (PROTOCOL.md §1.3),
// so the body is tried in three forms, each computed only when the previous one failed:
//   raw bytes → compact JSON.stringify(JSON.parse(raw)) → the same with non-ASCII escaped as \uXXXX
// (port-agent signs the last form but puts spaced JSON on the wire).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CodedError } from '../errors.js';
import type { HeaderValue } from './timestamp.js';

export type SignedForm = 'raw' | 'compact' | 'ascii_escaped';

export interface SignatureCheck {
  /** The x-port-signature header as received. */
  header: HeaderValue;
  /** The x-port-timestamp header exactly as received (already checked by the timestamp guard). */
  timestamp: string;
  rawBody: Buffer;
  /** Every accepted secret: the client secret first, then rotation secrets. */
  secrets: readonly string[];
}

const MISMATCH_HINT =
  'x-port-signature does not match: check that PORT_CLIENT_SECRET (or one of PORT_WEBHOOK_SECRETS) is the client secret ' +
  'of the Port organization that sends this, and that no proxy or middleware rewrites the body';

/** The v1 signatures in the header (their base64 text as bytes), or throws `missing_signature` / `invalid_signature`. */
export function parseSignatureHeader(header: HeaderValue): Buffer[] {
  if (header === undefined || (typeof header === 'string' && header.trim() === '')) {
    throw new CodedError('missing_signature', 'x-port-signature header is missing: is this request really from Port?');
  }
  // A repeated header is ambiguous: refuse it rather than pick one.
  if (typeof header !== 'string') {
    throw new CodedError('invalid_signature', 'x-port-signature header was sent more than once');
  }
  const signatures: Buffer[] = [];
  for (const entry of header.trim().split(/\s+/)) {
    const comma = entry.indexOf(',');
    // Other versions are skipped, so a future scheme can be sent beside v1.
    if (comma > 0 && entry.slice(0, comma) === 'v1') signatures.push(Buffer.from(entry.slice(comma + 1), 'latin1'));
  }
  if (signatures.length === 0) {
    throw new CodedError('invalid_signature', 'x-port-signature has no "v1,<base64>" entry');
  }
  return signatures;
}

/** Escapes every non-ASCII UTF-16 unit as lowercase `\uXXXX`, as Python's json.dumps(ensure_ascii=True) does. */
export function escapeNonAscii(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function signedBy(secrets: readonly string[], timestamp: string, body: Buffer | string, provided: Buffer[]): boolean {
  for (const secret of secrets) {
    const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('base64'), 'latin1');
    for (const candidate of provided) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return true;
    }
  }
  return false;
}

/**
 * Guard 3 in full. Returns which form of the body carried the valid signature; throws `missing_signature`
 * or `invalid_signature` (the message says what to check).
 */
export function verifyPortSignature(check: SignatureCheck): SignedForm {
  const provided = parseSignatureHeader(check.header);
  if (check.secrets.length === 0) {
    throw new CodedError('invalid_signature', 'no webhook secret is configured: set PORT_CLIENT_SECRET (and PORT_WEBHOOK_SECRETS for rotation)');
  }
  const { secrets, timestamp, rawBody } = check;
  if (signedBy(secrets, timestamp, rawBody, provided)) return 'raw';

  const text = rawBody.toString('utf8');
  let compact: string | undefined;
  try {
    compact = JSON.stringify(JSON.parse(text));
  } catch {
    // Not JSON: only the raw form could have been signed. The JSON guard reports it after this one.
  }
  if (compact === undefined) throw new CodedError('invalid_signature', MISMATCH_HINT);
  if (compact !== text && signedBy(secrets, timestamp, compact, provided)) return 'compact';

  const escaped = escapeNonAscii(compact);
  if (escaped !== compact && escaped !== text && signedBy(secrets, timestamp, escaped, provided)) return 'ascii_escaped';
  throw new CodedError('invalid_signature', MISMATCH_HINT);
}
