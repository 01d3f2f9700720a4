// After the signature: the verified body must be JSON.
import { CodedError } from '../errors.js';
import type { ParsedBody } from '../verify/signature.js';

export function parseJsonBody(raw: Buffer): ParsedBody {
  const text = raw.toString('utf8');
  try {
    return { value: JSON.parse(text), text };
  } catch {
    throw new CodedError('invalid_json', 'the body is not valid JSON (the signature matched: check the action\'s body template)');
  }
}
