// Randomly mutated deliveries (seeded, so a failure replays): a mutation that is not re-signed is a 401
// and runs nothing; a re-signed one may be accepted or refused, but never answers 5xx, and every run it
// starts in Port ends with a final status.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { executions } from './executions.js';
import { CLIENT_SECRET, eventually, startStack, type Stack } from './stack.js';
import { signPortWebhook } from '../../src/verify/sign.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIRD: unknown[] = [null, 0, -1, 1.5, '', ' ', 'x'.repeat(300), [], {}, [1, 'a'], { nested: { deep: true } }, true, '../../etc', 'r_🙂', '\u0000'];

function mutateJson(value: unknown, rnd: () => number, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 4) return WEIRD[Math.floor(rnd() * WEIRD.length)];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return WEIRD[Math.floor(rnd() * WEIRD.length)];
  const key = keys[Math.floor(rnd() * keys.length)];
  const roll = rnd();
  if (roll < 0.2 && !Array.isArray(copy)) delete (copy as Record<string, unknown>)[key];
  else (copy as Record<string, unknown>)[key] = mutateJson((copy as Record<string, unknown>)[key], rnd, depth + 1);
  return copy;
}

describe('when deliveries are randomly mutated', () => {
  it('when 150 mutations are sent without re-signing, then each is 401 and nothing runs', async () => {
    const rnd = prng(7);
    const run = stack.simulator.sim.createRun({ action: 'e2e_count' });
    const body = JSON.stringify({ context: { runId: run.id }, action: 'e2e_count', payload: { properties: { n: 1 } } });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = signPortWebhook(CLIENT_SECRET, ts, body);
    for (let i = 0; i < 150; i++) {
      const bytes = Buffer.from(body);
      const at = Math.floor(rnd() * bytes.length);
      const mode = i % 3;
      let mutated: Buffer;
      if (mode === 0) {
        bytes[at] = (bytes[at] + 1 + Math.floor(rnd() * 200)) % 256;
        mutated = bytes;
      } else if (mode === 1) mutated = bytes.subarray(0, at);
      // Not whitespace: a space between JSON tokens re-serializes to the signed bytes and rightly passes.
      else mutated = Buffer.concat([bytes.subarray(0, at), Buffer.from('a'), bytes.subarray(at)]);
      if (mutated.equals(Buffer.from(body))) continue;
      const res = await stack.post('/webhook', mutated.toString('latin1'), { 'x-port-timestamp': ts, 'x-port-signature': signature });
      expect({ i, status: res.status, body: res.body }).toEqual({ i, status: 401, body: { ok: false, error: 'invalid_signature' } });
    }
    expect(executions.has(run.id)).toBe(false);
  });

  it('when 300 JSON mutations are re-signed, then no answer is a 5xx and every run that started in Port ends', async () => {
    const rnd = prng(42);
    const sim = stack.simulator.sim;
    const shapes = ['v1', 'trigger', 'default-template'] as const;
    const statuses = new Map<number, number>();
    // Run ids the service took on (its 202 names the run) and the runs created in Port for this test.
    const accepted = new Set<string>();
    const created: string[] = [];
    for (let i = 0; i < 300; i++) {
      const base = sim.createRun({ action: 'create_microservice', properties: { name: `fuzz ${i}`, region: 'eu' } });
      created.push(base.id);
      const shape = shapes[i % shapes.length];
      // Render the body Port would send for this shape, then mutate it and sign the mutation.
      const original = renderLike(shape, base.id, { name: `fuzz ${i}`, region: 'eu' });
      const mutated = JSON.stringify(mutateJson(original, rnd));
      const res = await stack.post('/webhook', mutated, shape === 'default-template' ? { RUN_ID: base.id } : {});
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect({ i, mutated, status: res.status < 500 }).toEqual({ i, mutated, status: true });
      if (res.status === 202) accepted.add((res.body as { runId: string }).runId);
    }
    // Enough of the mutations must still be accepted for "every run ends" to say something.
    expect(accepted.size).toBeGreaterThan(100);
    // Started in Port: accepted by the service (even with no report yet: the stuck case) or reported to.
    const started = [...accepted, ...created.filter((id) => { const r = sim.run(id)!; return r.logs.length > 0 || r.entities.length > 0; })];
    const stillOpen = () => started.filter((id) => sim.run(id)?.status === 'IN_PROGRESS');
    await eventually(() => stillOpen().length === 0, 20_000, 'every started run to end').catch(() => undefined);
    expect(stillOpen()).toEqual([]);
    expect([...statuses.keys()].every((s) => [200, 202, 400, 401, 413].includes(s))).toBe(true);
    expect(sim.violations()).toEqual([]);
  });
});

function renderLike(shape: 'v1' | 'trigger' | 'default-template', runId: string, inputs: Record<string, unknown>): unknown {
  if (shape === 'v1') {
    return { action: 'create_microservice', resourceType: 'run', status: 'TRIGGERED', trigger: { by: { userId: 'u' }, origin: 'UI', at: new Date().toISOString() }, context: { entity: null, blueprint: 'microservice', runId }, payload: { entity: null, action: { invocationMethod: { type: 'WEBHOOK' }, trigger: 'CREATE' }, properties: inputs, censoredProperties: [] } };
  }
  if (shape === 'trigger') {
    return { inputs, trigger: { by: { userId: 'u' }, origin: 'UI', at: new Date().toISOString(), operation: 'CREATE' }, event: null, entity: {}, action: { identifier: 'create_microservice', blueprint: 'microservice', encryptedProperties: [] }, run: { id: runId } };
  }
  return { ...inputs, port_context: { runId } };
}
