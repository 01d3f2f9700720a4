import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { actionIdsOf, defineHandler, isHandler } from '../../src/registry/defineHandler.js';

const run = async () => undefined;

describe('defineHandler', () => {
  it('when the spec is valid, then it is a handler listing its actions', () => {
    const h = defineHandler({ action: ['a', 'b'], inputs: z.object({}), timeoutMs: 1000, run });
    expect(isHandler(h)).toBe(true);
    expect(h.actions).toEqual(['a', 'b']);
  });

  it.each([
    ['an empty action', { action: '', run }, /"action"/],
    ['no run function', { action: 'a' }, /"run"/],
    ['a fractional timeout', { action: 'a', timeoutMs: 1.5, run }, /"timeoutMs"/],
    ['a timeout no Node timer can hold', { action: 'a', timeoutMs: 3_000_000_000, run }, /at most 2147483647/],
    ['inputs that are not a zod schema', { action: 'a', inputs: { name: 'string' }, run }, /"inputs"/],
  ])('when the spec has %s, then it throws naming the field', (_what, spec, message) => {
    expect(() => defineHandler(spec as never)).toThrow(message);
  });

  it('when a handler declares an automation, then its identifier is routed after the action ids', () => {
    const h = defineHandler({ action: 'a', automation: { identifier: 'on_update', event: 'ENTITY_UPDATED', blueprint: 'service' }, run });
    expect(h.actions).toEqual(['a', 'on_update']);
    expect(actionIdsOf(h)).toEqual(['a']);
    expect(defineHandler({ automation: { identifier: 'only', event: 'RUN_CREATED', action: 'a' }, run }).actions).toEqual(['only']);
  });

  it.each([
    ['neither action nor automation', { run }, /"action" must be a non-empty string or array of strings \(or give an "automation"\)/],
    ['an automation without identifier', { automation: { event: 'ENTITY_UPDATED' }, run }, /"automation.identifier"/],
    ['an automation named like one of its actions', { action: 'x', automation: { identifier: 'x', event: 'ENTITY_UPDATED' }, run }, /'x' is also an action id/],
  ])('when the spec has %s, then it throws naming the field', (_what, spec, message) => {
    expect(() => defineHandler(spec as never)).toThrow(message);
  });

  it('when the Port metadata is wrong, then defineHandler still accepts it (the export names the problem; the handler keeps running)', () => {
    expect(() => defineHandler({ action: 'a', operation: 'UPDATE' as never, title: 5 as never, run })).not.toThrow();
  });
});
