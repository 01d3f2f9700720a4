// Port secret inputs (encryption "aes256-gcm"): base64 of [IV 16 B][ciphertext][tag 16 B],
// keyed with the first 32 bytes of the client secret. Every failure names what is wrong, never the value.
import { createDecipheriv } from 'node:crypto';
import { CodedError } from '../errors.js';

const IV_BYTES = 16;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
// Standard base64 (Port's encoding); url-safe characters are tolerated, Node decodes both.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function fail(message: string): never {
  throw new CodedError('decrypt_failed', message);
}

/** Decrypts one Port secret input value. Synchronous: handlers call it inline as `ctx.decrypt(value)`. */
export function decrypt(value: string, clientSecret: string | null | undefined): string {
  if (typeof value !== 'string' || value.trim() === '') fail('cannot decrypt: the value is empty or not a string');
  const compact = value.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    fail('cannot decrypt: the value is not base64 (is this input really an encrypted secret input?)');
  }
  const raw = Buffer.from(compact, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) {
    fail(`cannot decrypt: the value is too short (${raw.length} bytes; an aes256-gcm value has at least ${IV_BYTES + TAG_BYTES})`);
  }
  if (!clientSecret) fail('cannot decrypt: no Port client secret is configured (PORT_CLIENT_SECRET)');
  const key = Buffer.from(clientSecret, 'utf8').subarray(0, KEY_BYTES);
  if (key.length < KEY_BYTES) {
    fail(`cannot decrypt: the key is too short: the client secret has ${key.length} bytes, aes256-gcm needs ${KEY_BYTES}`);
  }
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  const ciphertext = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return fail('cannot decrypt: authentication failed (wrong key — is PORT_CLIENT_SECRET the secret of the org that encrypted it? — or a tampered value)');
  }
}
