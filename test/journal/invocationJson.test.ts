import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { decodeInvocation, encodeInvocation } from '../../src/journal/invocationJson.js';
import { normalizeDelivery } from '../../src/normalize/normalize.js';
import { withPortRun } from '../../src/normalize/portRun.js';

function fixtureText(name: string): string {
  const text = readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return '_meta' in parsed ? JSON.stringify(parsed.data, null, 2) : text;
}

const FIXTURES = [
  'port-webhook-v1-create.json',
  'port-webhook-v1-day2-agent.json',
  'port-webhook-v2-trigger-data-self-service-create.json',
  'port-webhook-v2-trigger-data-automation-entity-updated.json',
];

/** Occurrences of `needle` in `haystack`. */
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('encodeInvocation / decodeInvocation', () => {
  it.each(FIXTURES)('when the invocation is the normalizer\'s for %s, then it loads back equal from the body stored once, as received', (file) => {
    const text = fixtureText(file);
    const invocation = normalizeDelivery({ body: JSON.parse(text), headers: {} });
    const stored = encodeInvocation(invocation, text);

    expect(stored).toContain(text); // the received text itself, spacing and key order included
    expect(stored.length).toBeLessThan(text.length + 200);
    expect(decodeInvocation(stored)).toEqual(invocation);
  });

  it('when a 2 KB input is in the body, then the stored text holds it once (the full form would hold it twice)', () => {
    const notes = 'n'.repeat(2000);
    const text = JSON.stringify({ context: { runId: 'r_big', blueprint: 'service' }, action: 'deploy', payload: { properties: { notes } } });
    const invocation = normalizeDelivery({ body: JSON.parse(text), headers: {} });

    expect(count(JSON.stringify(invocation), notes)).toBe(2);
    expect(count(encodeInvocation(invocation, text), notes)).toBe(1);
    expect(count(encodeInvocation(invocation), notes)).toBe(1); // no text at hand: the payload serialised once
    expect(decodeInvocation(encodeInvocation(invocation)).inputs).toEqual({ notes });
  });

  it('when the run id came from the header and the action from Port, then both survive the round trip', () => {
    const text = '{"region":"eu"}';
    const received = normalizeDelivery({ body: JSON.parse(text), headers: { RUN_ID: 'r_hdr' } });
    const invocation = withPortRun(received, { action: 'deploy', blueprint: 'service', status: 'IN_PROGRESS' });
    const stored = encodeInvocation(invocation, text);

    expect(JSON.parse(stored)).not.toHaveProperty('inputs'); // the default template's inputs: the body beside port_context
    expect(decodeInvocation(stored)).toEqual(invocation);
    expect(decodeInvocation(stored).runIdFromHeader).toBe(true);
  });

  it('when an invocation\'s parts are not its body\'s, then they are stored as they are and load back unchanged', () => {
    const text = '{"context":{"runId":"r_x"},"action":"deploy","payload":{"properties":{"a":1}}}';
    const invocation = { ...normalizeDelivery({ body: JSON.parse(text), headers: {} }), inputs: { a: 2 } };
    const loaded = decodeInvocation(encodeInvocation(invocation, text));

    expect(loaded.inputs).toEqual({ a: 2 });
    expect(loaded).toEqual(invocation);
  });

  it('when a row was written in the full form (an older journal, a compacted run), then it loads as it is', () => {
    const full = { runId: 'r_old', action: 'deploy', blueprint: null, inputs: { kept: true }, entity: null, trigger: null, payload: null };
    expect(decodeInvocation(JSON.stringify(full))).toEqual(full);
  });
});
