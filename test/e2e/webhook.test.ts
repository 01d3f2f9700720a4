// One delivery from Port to the handler and back to Port, over real HTTP both ways: the seed flow in every
// payload shape, every rejection, duplicates, and each way a run can end.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
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

// Every test, on its own: no request it caused violated Port's OpenAPI spec, and no secret reached a log line.
let violationsBefore = 0;
let linesBefore = 0;
beforeEach(() => {
  violationsBefore = sim().violations().length;
  linesBefore = stack.logs.lines.length;
});
afterEach(() => {
  expect(sim().violations().slice(violationsBefore)).toEqual([]);
  const text = stack.logs.lines.slice(linesBefore).map((l) => JSON.stringify(l)).join('\n');
  expect(text).not.toContain(CLIENT_SECRET);
  expect(text).not.toMatch(/Bearer [A-Za-z0-9]/);
});

const sim = () => stack.simulator.sim;
const finished = (runId: string) => eventually(() => (sim().run(runId)?.status !== 'IN_PROGRESS' ? sim().run(runId) : null), 8000, `run ${runId} to finish`);
const webhook = () => `${stack.service.url}/webhook`;
const portCalls = () => sim().requests().length;

describe('when Port delivers the create_microservice action', () => {
  it.each(['v1', 'trigger', 'default-template', 'url-action'] as const)(
    'when the body is the %s shape, then the entity is tied, the log written and the run succeeds',
    async (shape) => {
      const name = `svc ${shape}`;
      const res = await sim().deliver({ url: webhook(), action: 'create_microservice', shape, inputs: { name, region: 'eu-west-1' }, blueprint: 'microservice' });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ ok: true, runId: res.runId });

      const run = await finished(res.runId);
      expect(run).toMatchObject({ status: 'SUCCESS', statusLabel: 'Completed successfully!' });
      const identifier = name.replace(/ /g, '_');
      expect(run!.logs.map((l) => l.message)).toEqual([`new entity: ${identifier}`]);
      expect(run!.entities.map((e) => `${e.blueprint}/${e.identifier}`)).toEqual([`microservice/${identifier}`]);
      expect(sim().entity('microservice', identifier)).toMatchObject({ title: name, properties: { region: 'eu-west-1' } });
    },
  );

  it('when the action id carries the 2024 blueprint prefix, then the unprefixed handler runs it', async () => {
    const res = await sim().deliver({ url: webhook(), action: 'microservice_create_microservice', shape: 'trigger', blueprint: 'microservice', inputs: { name: 'prefixed', region: 'us' } });
    expect(res.status).toBe(202);
    expect((await finished(res.runId))!.status).toBe('SUCCESS');
  });

  it('when two runs report to Port one after the other, then both use one access token', async () => {
    const first = await sim().deliver({ url: webhook(), action: 'create_microservice', shape: 'v1', inputs: { name: 'token one', region: 'eu' } });
    expect((await finished(first.runId))!.status).toBe('SUCCESS');
    const before = sim().tokenRequests;
    expect(before).toBeGreaterThanOrEqual(1);
    const second = await sim().deliver({ url: webhook(), action: 'create_microservice', shape: 'v1', inputs: { name: 'token two', region: 'eu' } });
    expect((await finished(second.runId))!.status).toBe('SUCCESS');
    expect(sim().tokenRequests).toBe(before);
  });
});

describe('when a delivery is not authentic, then it gets 401, nothing runs and Port is not called', () => {
  const body = JSON.stringify({ context: { runId: 'r_forged0000000001' }, action: 'e2e_count', payload: { properties: {} } });
  // Each case builds its headers from one clock reading: a second boundary between two readings would
  // otherwise turn "signed for another timestamp" into a valid signature.
  const cases: Array<[string, (now: number) => Record<string, string | null>, string]> = [
    ['forged with another secret', (now) => ({ 'x-port-timestamp': String(now), 'x-port-signature': signPortWebhook('not-the-secret', String(now), body) }), 'invalid_signature'],
    ['stale by 10 minutes', (now) => ({ 'x-port-timestamp': String(now - 600), 'x-port-signature': signPortWebhook(CLIENT_SECRET, String(now - 600), body) }), 'stale_timestamp'],
    ['10 minutes in the future', (now) => ({ 'x-port-timestamp': String(now + 600), 'x-port-signature': signPortWebhook(CLIENT_SECRET, String(now + 600), body) }), 'stale_timestamp'],
    ['signed for another timestamp', (now) => ({ 'x-port-timestamp': String(now), 'x-port-signature': signPortWebhook(CLIENT_SECRET, String(now - 1), body) }), 'invalid_signature'],
    ['missing the signature', (now) => ({ 'x-port-timestamp': String(now), 'x-port-signature': null }), 'missing_signature'],
    ['missing the timestamp', (now) => ({ 'x-port-timestamp': null, 'x-port-signature': signPortWebhook(CLIENT_SECRET, String(now), body) }), 'missing_timestamp'],
  ];
  it.each(cases)('when %s, then 401 (%#)', async (_name, headers, code) => {
    const before = portCalls();
    const res = await stack.post('/webhook', body, headers(Math.floor(Date.now() / 1000)));
    expect(res).toEqual({ status: 401, body: { ok: false, error: code } });
    expect(executions.has('r_forged0000000001')).toBe(false);
    expect(portCalls()).toBe(before);
  });

  it('when one byte of a signed body is changed, then 401 invalid_signature', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = signPortWebhook(CLIENT_SECRET, ts, body);
    const res = await stack.post('/webhook', body.replace('e2e_count', 'e2e_counu'), { 'x-port-timestamp': ts, 'x-port-signature': signature });
    expect(res).toEqual({ status: 401, body: { ok: false, error: 'invalid_signature' } });
  });
});

describe('when a delivery is malformed', () => {
  it('when the body is over the limit, then 413 payload_too_large', async () => {
    const res = await stack.post('/webhook', JSON.stringify({ runId: 'r_big', blob: 'x'.repeat(1024 * 1024) }));
    expect(res).toEqual({ status: 413, body: { ok: false, error: 'payload_too_large' } });
  });

  it('when the signed body is not JSON, then 400 invalid_json', async () => {
    expect(await stack.post('/webhook', '{"runId": ')).toEqual({ status: 400, body: { ok: false, error: 'invalid_json' } });
  });

  it('when no run id is anywhere, then 400 missing_run_id', async () => {
    expect(await stack.post('/webhook', JSON.stringify({ action: 'e2e_count' }))).toEqual({ status: 400, body: { ok: false, error: 'missing_run_id' } });
  });

  it('when the action must be looked up and Port does not know the run, then 400 unknown_run', async () => {
    const res = await stack.post('/webhook', JSON.stringify({ port_context: { runId: 'r_notInPort000001' } }));
    expect(res).toEqual({ status: 400, body: { ok: false, error: 'unknown_run' } });
  });
});

/**
 * Runs start in delivery order: once a run delivered after this point has finished, any run wrongly
 * queued before it would have executed too.
 */
async function settled(): Promise<void> {
  const marker = sim().createRun({ action: 'e2e_count' });
  await stack.post('/webhook', JSON.stringify({ context: { runId: marker.id }, action: 'e2e_count', payload: { properties: {} } }));
  await finished(marker.id);
}

describe('when the same run is delivered again', () => {
  it('when redelivered after it ran, then 200 duplicate and it does not run again', async () => {
    const run = sim().createRun({ action: 'e2e_count' });
    const body = JSON.stringify({ context: { runId: run.id }, action: 'e2e_count', payload: { properties: {} } });
    expect((await stack.post('/webhook', body)).status).toBe(202);
    await finished(run.id);
    expect(await stack.post('/webhook', body)).toEqual({ status: 200, body: { ok: true, runId: run.id, duplicate: true } });
    await settled();
    expect(executions.get(run.id)).toBe(1);
  });

  it('when delivered 10 times at once, then exactly one is accepted and it runs once', async () => {
    const run = sim().createRun({ action: 'e2e_count' });
    const body = JSON.stringify({ context: { runId: run.id }, action: 'e2e_count', payload: { properties: {} } });
    const answers = await Promise.all(Array.from({ length: 10 }, () => stack.post('/webhook', body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    await finished(run.id);
    await settled();
    expect(executions.get(run.id)).toBe(1);
  });
});

describe('when a run ends badly, then Port shows why and the run is never left IN_PROGRESS', () => {
  const deliver = async (action: string, inputs: Record<string, unknown> = {}) => {
    const res = await sim().deliver({ url: webhook(), action, shape: 'v1', inputs });
    expect(res.status).toBe(202);
    return finished(res.runId);
  };

  it('when no handler exists for the action, then FAILURE naming it', async () => {
    expect(await deliver('nobody_handles_this')).toMatchObject({ status: 'FAILURE', statusLabel: "no handler for action 'nobody_handles_this'" });
  });

  it('when the handler throws, then FAILURE with the first line of the message and no stack', async () => {
    expect(await deliver('e2e_throw')).toMatchObject({ status: 'FAILURE', statusLabel: 'database is down' });
  });

  it('when the handler hangs past its deadline, then FAILURE "timed out after 300 ms"', async () => {
    expect(await deliver('e2e_hang')).toMatchObject({ status: 'FAILURE', statusLabel: 'timed out after 300 ms' });
  });

  it('when the inputs are invalid, then FAILURE naming the field and the handler does not run', async () => {
    const run = await deliver('create_microservice', { name: 'x', region: 42 });
    expect(run!.status).toBe('FAILURE');
    expect(run!.statusLabel).toMatch(/^invalid inputs: region/);
    expect(run!.entities).toEqual([]);
  });

  it('when 50 logs are written without awaiting, then all 50 arrive in order', async () => {
    const run = await deliver('e2e_logs', { n: 50 });
    expect(run!.status).toBe('SUCCESS');
    expect(run!.logs.map((l) => l.message)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
  });

  it('when the handler sets a label, two links and a summary, then Port shows all of them', async () => {
    const run = await deliver('e2e_links');
    expect(run).toMatchObject({ status: 'SUCCESS', statusLabel: 'building', link: ['https://ci.example.com/1', 'https://ci.example.com/2'], summary: 'two jobs' });
  });
});

describe('when the action is synchronized', () => {
  it('when the handler returns, then 200 with its value, its log reached Port first, and no status was PATCHed', async () => {
    const res = await sim().deliver({ url: webhook(), action: 'e2e_sync', shape: 'v1', inputs: { name: 'db' }, synchronized: true });
    expect(res).toMatchObject({ status: 200, body: { created: 'db' } });
    const run = sim().run(res.runId)!;
    expect(run.status).toBe('SUCCESS');
    expect(run.logs.map((l) => l.message)).toEqual(['creating db']);
    expect(sim().requests({ method: 'PATCH' }).filter((r) => r.path.includes(res.runId))).toEqual([]);
  });

  it('when the handler fails, then 422 run_failed with the label, and Port marks it FAILURE', async () => {
    const res = await sim().deliver({ url: webhook(), action: 'e2e_sync', shape: 'v1', inputs: { name: 'db', fail: true }, synchronized: true });
    expect(res).toMatchObject({ status: 422, body: { ok: false, error: 'run_failed', message: 'cannot create db' } });
    // Port takes the status from the answer and keeps the answer (with the label) on the run.
    expect(sim().run(res.runId)).toMatchObject({ status: 'FAILURE', response: { message: 'cannot create db' } });
  });

  it('when the inputs are invalid, then 422 naming the field', async () => {
    const res = await sim().deliver({ url: webhook(), action: 'e2e_sync', shape: 'v1', inputs: {}, synchronized: true });
    expect(res.status).toBe(422);
    expect((res.body as { message: string }).message).toMatch(/^invalid inputs: name/);
  });
});

describe('when a handler writes an entity Port would refuse', () => {
  it('when the identifier has characters Port does not allow, then the run fails naming it and nothing invalid reaches Port', async () => {
    const res = await sim().deliver({ url: webhook(), action: 'create_microservice', shape: 'v1', inputs: { name: 'rocket 🚀', region: 'eu' } });
    const run = await finished(res.runId);
    expect(run).toMatchObject({ status: 'FAILURE' });
    expect(run!.statusLabel).toMatch(/^create on microservice: entity identifier "rocket_🚀" has characters Port does not allow/);
    expect(sim().violations()).toEqual([]);
  });
});
