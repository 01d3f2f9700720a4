import { describe, expect, it } from '@jest/globals';
import Transport from 'winston-transport';
import { createLogger, Redactor } from '../src/logger.js';

class Capture extends Transport {
  readonly lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.lines.push(String(info[Symbol.for('message')]));
    next();
  }
}

describe('Redactor', () => {
  it('when a registered secret appears anywhere in a string, then it is masked', () => {
    const r = new Redactor();
    r.add('s3cr3t-value');
    expect(r.redact('token=s3cr3t-value; again s3cr3t-value')).toBe('token=[redacted]; again [redacted]');
  });

  it('when a key looks secret, then its value is masked at any depth, but booleans and numbers stay', () => {
    const r = new Redactor();
    expect(r.redact({ a: { clientSecret: 'x', accessToken: 'y', tokenCount: 3, hasSignature: true, name: 'ok' } })).toEqual({
      a: { clientSecret: '[redacted]', accessToken: '[redacted]', tokenCount: 3, hasSignature: true, name: 'ok' },
    });
  });

  it('when free text holds a Bearer token or a v1 signature, then both are masked', () => {
    const r = new Redactor();
    expect(r.redact('Authorization: Bearer eyJhbGciOi.abc.def and v1,jLLDNV/KOI6awsrsAE9NXXBF10k3q1+q1h3BFoIkep8=')).toBe(
      'Authorization: Bearer [redacted] and v1,[redacted]',
    );
  });

  it('when a value is shorter than 6 characters, then it is not registered (it would mask ordinary words)', () => {
    const r = new Redactor();
    r.add('abc');
    expect(r.redact('abc')).toBe('abc');
  });
});

describe('createLogger', () => {
  it('when JSON lines are asked for, then each line is JSON with the fields, and secrets are masked in message and fields', () => {
    const redactor = new Redactor();
    redactor.add('the-client-secret');
    const capture = new Capture();
    const logger = createLogger({ json: true, redactor, transports: [capture] });
    logger.info('using the-client-secret now', { runId: 'r_1', headers: { authorization: 'Bearer abcdef123' } });
    const line = JSON.parse(capture.lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', message: 'using [redacted] now', runId: 'r_1', headers: { authorization: '[redacted]' } });
  });

  it('when readable lines are asked for, then level, message and fields are on one line', () => {
    const capture = new Capture();
    createLogger({ json: false, transports: [capture] }).warn('something', { runId: 'r_1' });
    expect(capture.lines[0]).toMatch(/ warn {2}something runId=r_1$/);
  });
});
