// The x-port-signature header: `v1,<base64 HMAC-SHA256(secret, "<timestamp>.<body>")>`, possibly several
// whitespace-separated entries. Senders disagree on which bytes they sign, so the body is tried in up to
// three forms: the raw bytes (Port), compact JSON.stringify(JSON.parse(raw)) (JavaScript relays), and
// Python's compact, ASCII-escaped json.dumps of the same text (port-agent, which then sends spaced JSON).
// A forged delivery is made cheap: entries that cannot be a SHA-256 MAC cost no HMAC at all, the
// re-serialised forms are built only for a JSON body (parsed once, the value handed on to the JSON guard),
// and a form equal to one already tried is not tried again.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CodedError } from '../errors.js';
import { pythonCompactJson } from './pythonJson.js';
import type { HeaderValue } from './timestamp.js';

export type SignedForm = 'raw' | 'compact' | 'ascii_escaped';

/** A JSON body parsed, with the text it was parsed from (the journal stores that text, not a re-serialisation). */
export interface ParsedBody {
  value: unknown;
  text: string;
}

export interface SignatureCheck {
  /** The x-port-signature header as received. */
  header: HeaderValue;
  /** The x-port-timestamp header exactly as received (already checked by the timestamp guard). */
  timestamp: string;
  rawBody: Buffer;
  /** Every accepted secret: the client secret first, then rotation secrets. */
  secrets: readonly string[];
}

export interface VerifiedSignature {
  /** Which form of the body carried the valid signature. */
  form: SignedForm;
  /** The parsed body, when verifying needed it: the JSON guard need not parse 1 MiB twice. */
  parsed?: ParsedBody;
}

const MISMATCH_HINT =
  'x-port-signature does not match: check that PORT_CLIENT_SECRET (or one of PORT_WEBHOOK_SECRETS) is the client secret ' +
  'of the Port organization that sends this, and that no proxy or middleware rewrites the body';

/** A base64 SHA-256 MAC: 43 characters and one `=`. */
const MAC_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

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
      if (timingSafeEqual(candidate, expected)) return true; // both are 44 bytes: MAC_BASE64 kept only those
    }
  }
  return false;
}

/** True when the first byte that is not JSON whitespace opens an object or an array (the only bodies Port sends). */
function looksLikeJson(raw: Buffer): boolean {
  for (const byte of raw) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

/**
 * Returns which form of the body carried a valid signature (and the parsed body when that took a parse);
 * throws `missing_signature` or `invalid_signature` (the message says what to check).
 */
export function verifyPortSignature(check: SignatureCheck): VerifiedSignature {
  const provided = parseSignatureHeader(check.header).filter((s) => MAC_BASE64.test(s.toString('latin1')));
  if (check.secrets.length === 0) {
    throw new CodedError('invalid_signature', 'no webhook secret is configured: set PORT_CLIENT_SECRET (and PORT_WEBHOOK_SECRETS for rotation)');
  }
  if (provided.length === 0) throw new CodedError('invalid_signature', 'x-port-signature has no v1 entry shaped like a SHA-256 MAC (44 base64 characters)');
  const { secrets, timestamp, rawBody } = check;
  if (signedBy(secrets, timestamp, rawBody, provided)) return { form: 'raw' };
  if (!looksLikeJson(rawBody)) throw new CodedError('invalid_signature', MISMATCH_HINT);

  const text = rawBody.toString('utf8');
  let parsed: ParsedBody;
  try {
    parsed = { value: JSON.parse(text), text };
  } catch {
    // Not JSON: only the raw form could have been signed. The JSON guard reports it after this one.
    throw new CodedError('invalid_signature', MISMATCH_HINT);
  }
  const compact = JSON.stringify(parsed.value);
  if (compact !== text && signedBy(secrets, timestamp, compact, provided)) return { form: 'compact', parsed };
  const python = pythonCompactJson(text);
  if (python !== compact && python !== text && signedBy(secrets, timestamp, python, provided)) return { form: 'ascii_escaped', parsed };
  throw new CodedError('invalid_signature', MISMATCH_HINT);
}
