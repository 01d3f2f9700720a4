import { describe, expect, it } from '@jest/globals';
import { maskSecretInputs } from '../../src/ingress/maskPayload.js';

describe('maskSecretInputs', () => {
  it('when a v1 envelope lists censored properties, then their values are masked in payload.properties', () => {
    const body = { context: { runId: 'r_1' }, payload: { properties: { name: 'x', db: 'CIPHERTEXT' }, censoredProperties: ['db'] } };
    expect(maskSecretInputs(body)).toEqual({ context: { runId: 'r_1' }, payload: { properties: { name: 'x', db: '[encrypted input]' }, censoredProperties: ['db'] } });
    expect(body.payload.properties.db).toBe('CIPHERTEXT'); // the delivery itself is untouched
  });

  it('when trigger data lists encrypted properties, then their values are masked in inputs', () => {
    const body = { run: { id: 'r_1' }, inputs: { token: 'CIPHERTEXT', region: 'eu' }, action: { identifier: 'a', encryptedProperties: ['token'] } };
    expect(maskSecretInputs(body)).toMatchObject({ inputs: { token: '[encrypted input]', region: 'eu' } });
  });

  it('when nothing is declared secret, then the body is returned as it is', () => {
    const body = { port_context: { runId: 'r_1' }, name: 'x' };
    expect(maskSecretInputs(body)).toBe(body);
  });
});
