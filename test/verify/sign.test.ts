import { describe, expect, it } from '@jest/globals';
import { signPortWebhook } from '../../src/verify/sign.js';

describe('signPortWebhook', () => {
  it('when signing the documented vector, then it matches Port docs', () => {
    expect(signPortWebhook('test-secret', '1700000000', '{"a":1}')).toBe('v1,jLLDNV/KOI6awsrsAE9NXXBF10k3q1+q1h3BFoIkep8=');
  });
});
