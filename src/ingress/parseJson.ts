// After the signature: the verified body must be JSON.
import { CodedError } from '../errors.js';

export function parseJsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new CodedError('invalid_json', 'the body is not valid JSON (the signature matched: check the action\'s body template)');
  }
}
