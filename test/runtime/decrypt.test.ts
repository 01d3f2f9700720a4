import { describe, expect, it } from '@jest/globals';
import { createCipheriv, randomBytes } from 'node:crypto';
import { decrypt } from '../../src/runtime/decrypt.js';

const SECRET = 'a-client-secret-that-is-longer-than-32-bytes-xyz';

/** Encrypts like Port: base64([IV 16][ciphertext][tag 16]) with the first 32 bytes of the secret. */
function encrypt(plain: string, secret = SECRET, iv = randomBytes(16)): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(secret, 'utf8').subarray(0, 32), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

function decryptError(value: string, secret: string | null = SECRET) {
  try {
    decrypt(value, secret);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('decrypt did not throw');
}

describe('decrypt', () => {
  it('when given a value encrypted with the client secret, then it returns the plaintext', () => {
    expect(decrypt(encrypt('s3cr3t-päss ✓'), SECRET)).toBe('s3cr3t-päss ✓');
  });

  it('when given the fixed vector (IV of 0x07 bytes, generated once with node:crypto), then it returns its plaintext', () => {
    expect(decrypt('BwcHBwcHBwcHBwcHBwcHBx+FWFWB+G49Ccrqrtr7UmQ53DWFGItvw9yg', SECRET)).toBe('hello port');
  });

  it('when only the first 32 bytes of the secret match, then it still decrypts (the rest is not key)', () => {
    expect(decrypt(encrypt('x'), `${SECRET.slice(0, 32)}-different-tail`)).toBe('x');
  });

  it('when the value is not base64, then decrypt_failed says so', () => {
    expect(decryptError('not base64 at all!')).toMatchObject({ code: 'decrypt_failed', message: expect.stringContaining('not base64') });
  });

  it('when the value is too short, then decrypt_failed says so', () => {
    expect(decryptError(Buffer.alloc(20).toString('base64'))).toMatchObject({
      code: 'decrypt_failed',
      message: expect.stringContaining('too short'),
    });
  });

  it('when the client secret is shorter than 32 bytes, then decrypt_failed names the key', () => {
    expect(decryptError(encrypt('x'), 'short-secret')).toMatchObject({
      code: 'decrypt_failed',
      message: expect.stringContaining('key is too short'),
    });
  });

  it('when no client secret is configured, then decrypt_failed names PORT_CLIENT_SECRET', () => {
    expect(decryptError(encrypt('x'), null)).toMatchObject({ code: 'decrypt_failed', message: expect.stringContaining('PORT_CLIENT_SECRET') });
  });

  it('when the key is wrong, then decrypt_failed says authentication failed', () => {
    expect(decryptError(encrypt('x', 'another-client-secret-also-longer-than-32'))).toMatchObject({
      code: 'decrypt_failed',
      message: expect.stringContaining('authentication failed'),
    });
  });

  it('when the value was tampered with, then decrypt_failed says authentication failed', () => {
    const raw = Buffer.from(encrypt('some secret value'), 'base64');
    raw[20] ^= 0xff;
    expect(decryptError(raw.toString('base64'))).toMatchObject({ code: 'decrypt_failed', message: expect.stringContaining('authentication failed') });
  });

  it('when it fails, then the message contains neither the value nor the secret', () => {
    const value = encrypt('x', 'another-client-secret-also-longer-than-32');
    const err = decryptError(value);
    expect(err.message).not.toContain(value);
    expect(err.message).not.toContain(SECRET.slice(0, 32));
  });
});
