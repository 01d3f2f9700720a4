// What the signature does not cover (the URL's action, the RUN_ID header) and what the registry must not
// guess (another action's handler by suffix), over real HTTP against the simulator.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { executions } from './executions.js';
import { CLIENT_ID, CLIENT_SECRET, eventually, startStack, type Stack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ PORT_CALL_BUDGET_MS: '3000' }); // the outage test waits out one call's budget
});
afterAll(async () => {
  await stack.close();
});

const sim = () => stack.simulator.sim;
const finished = (runId: string) => eventually(() => (sim().run(runId)?.status !== 'IN_PROGRESS' ? sim().run(runId) : null), 8000, `run ${runId} to finish`);
const runGets = (runId: string) => sim().requests({ method: 'GET' }).filter((r) => r.path.startsWith(`/v1/actions/runs/${runId}`)).length;

/** Ends a run the way another backend would: through Port's API. */
async function finishInPort(runId: string): Promise<void> {
  const auth = await fetch(`${stack.simulator.url}/v1/auth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
  });
  const { accessToken } = (await auth.json()) as { accessToken: string };
  const res = await fetch(`${stack.simulator.url}/v1/actions/runs/${runId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ status: 'SUCCESS' }),
  });
  expect(res.status).toBe(200);
}

describe('when the URL names an action', () => {
  it('when the signed body names another action, then 400 action_mismatch and nothing runs or reaches Port', async () => {
    const run = sim().createRun({ action: 'e2e_count' });
    const before = sim().requests().length;
    const res = await stack.post('/webhook/e2e_logs', JSON.stringify({ context: { runId: run.id }, action: 'e2e_count', payload: { properties: {} } }));
    expect(res).toEqual({ status: 400, body: { ok: false, error: 'action_mismatch' } });
    expect(sim().requests().length).toBe(before);
    // Nothing was journaled: the same body to the right route is accepted as new and runs once.
    const ok = await stack.post('/webhook/e2e_count', JSON.stringify({ context: { runId: run.id }, action: 'e2e_count', payload: { properties: {} } }));
    expect(ok).toEqual({ status: 202, body: { ok: true, runId: run.id } });
    expect((await finished(run.id))!.status).toBe('SUCCESS');
    expect(executions.get(run.id)).toBe(1);
  });
});

describe('when the run id comes only from the RUN_ID header', () => {
  const body = JSON.stringify({ n: 1 }); // a captured signed body with no run id in it

  it('when Port does not know the run, then 400 unknown_run and nothing runs', async () => {
    const res = await stack.post('/webhook/e2e_count', body, { RUN_ID: 'r_madeUp000000001' });
    expect(res).toEqual({ status: 400, body: { ok: false, error: 'unknown_run' } });
    expect(executions.has('r_madeUp000000001')).toBe(false);
  });

  it('when Port\'s run has already finished, then 400 unknown_run and nothing runs', async () => {
    const run = sim().createRun({ action: 'e2e_count' });
    await finishInPort(run.id);
    const res = await stack.post('/webhook/e2e_count', body, { RUN_ID: run.id });
    expect(res).toEqual({ status: 400, body: { ok: false, error: 'unknown_run' } });
    expect(executions.has(run.id)).toBe(false);
    expect(sim().run(run.id)!.logs).toEqual([]);
  });

  it('when Port\'s run is of another action, then 400 unknown_run and the run is untouched', async () => {
    const run = sim().createRun({ action: 'e2e_logs' });
    const res = await stack.post('/webhook/e2e_count', body, { RUN_ID: run.id });
    expect(res).toEqual({ status: 400, body: { ok: false, error: 'unknown_run' } });
    expect(executions.has(run.id)).toBe(false);
    expect(sim().run(run.id)).toMatchObject({ status: 'IN_PROGRESS', logs: [] });
  });

  it('when Port cannot be reached, then 503 port_unavailable and nothing is journaled', async () => {
    const run = sim().createRun({ action: 'e2e_count' });
    sim().outage();
    try {
      const res = await stack.post('/webhook/e2e_count', body, { RUN_ID: run.id });
      expect(res).toEqual({ status: 503, body: { ok: false, error: 'port_unavailable' } });
    } finally {
      sim().clearOutage();
    }
    expect(executions.has(run.id)).toBe(false);
    // Not journaled: the retry is a new delivery (202), not a duplicate (200).
    const retry = await stack.post('/webhook/e2e_count', body, { RUN_ID: run.id });
    expect(retry).toEqual({ status: 202, body: { ok: true, runId: run.id } });
    expect((await finished(run.id))!.status).toBe('SUCCESS');
  });

  it('when Port\'s run exists, is IN_PROGRESS and is of this action, then it is confirmed with one GET and runs once', async () => {
    const run = sim().createRun({ action: 'e2e_count' });
    const res = await stack.post('/webhook/e2e_count', body, { RUN_ID: run.id });
    expect(res).toEqual({ status: 202, body: { ok: true, runId: run.id } });
    expect((await finished(run.id))!.status).toBe('SUCCESS');
    expect(executions.get(run.id)).toBe(1);
    expect(runGets(run.id)).toBe(1);
  });

  it('when the body carries the run id, then Port is not asked', async () => {
    const run = sim().createRun({ action: 'e2e_count' });
    const res = await stack.post('/webhook/e2e_count', JSON.stringify({ runId: run.id, n: 1 }), { RUN_ID: 'r_ignored' });
    expect(res).toEqual({ status: 202, body: { ok: true, runId: run.id } });
    await finished(run.id);
    expect(runGets(run.id)).toBe(0);
  });
});

describe('when no handler has the exact action id', () => {
  // e2e_count has a handler; dry_run_e2e_count does not.
  const deliver = (runId: string) => stack.post('/webhook/dry_run_e2e_count', JSON.stringify({ port_context: { runId } }));

  it('when Port\'s run is of another blueprint, then the suffix handler does not run and the run ends FAILURE "no handler"', async () => {
    const run = sim().createRun({ action: 'dry_run_e2e_count', blueprint: 'service' });
    expect(await deliver(run.id)).toEqual({ status: 202, body: { ok: true, runId: run.id } });
    expect(await finished(run.id)).toMatchObject({ status: 'FAILURE', statusLabel: "no handler for action 'dry_run_e2e_count'" });
    expect(executions.has(run.id)).toBe(false);
  });

  it('when Port\'s run has no blueprint, then the suffix handler does not run either', async () => {
    const run = sim().createRun({ action: 'dry_run_e2e_count' });
    expect(await deliver(run.id)).toEqual({ status: 202, body: { ok: true, runId: run.id } });
    expect(await finished(run.id)).toMatchObject({ status: 'FAILURE', statusLabel: "no handler for action 'dry_run_e2e_count'" });
    expect(executions.has(run.id)).toBe(false);
  });

  it('when Port\'s run is of blueprint dry_run, then its prefix is stripped and e2e_count runs', async () => {
    const run = sim().createRun({ action: 'dry_run_e2e_count', blueprint: 'dry_run' });
    expect(await deliver(run.id)).toEqual({ status: 202, body: { ok: true, runId: run.id } });
    expect((await finished(run.id))!.status).toBe('SUCCESS');
    expect(executions.get(run.id)).toBe(1);
  });

  it('when the delivery names the blueprint, then Port is not asked', async () => {
    const run = sim().createRun({ action: 'dry_run_e2e_count', blueprint: 'dry_run' });
    const res = await stack.post('/webhook', JSON.stringify({ run: { id: run.id }, action: { identifier: 'dry_run_e2e_count', blueprint: 'dry_run' }, inputs: {} }));
    expect(res).toEqual({ status: 202, body: { ok: true, runId: run.id } });
    expect((await finished(run.id))!.status).toBe('SUCCESS');
    expect(runGets(run.id)).toBe(0);
  });
});
