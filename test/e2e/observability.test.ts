// What an operator sees: /metrics counts that match what was sent, /readyz that flips when the service
// cannot work, log lines that carry runId/action/requestId, and no secret in any log line.
import { afterEach, describe, expect, it } from '@jest/globals';
import { createCipheriv, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { heldRuns } from './executions.js';
import { CLIENT_SECRET, eventually, startStack, type Stack } from './stack.js';

let stack: Stack | null = null;
afterEach(async () => {
  await stack?.close().catch(() => undefined);
  stack = null;
});

async function metricsText(s: Stack): Promise<string> {
  const res = await fetch(`${s.service.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? want.every((w) => l.includes(w)) : false);
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('GET /metrics', () => {
  it('when deliveries were accepted, duplicated and rejected, then the counters say exactly that', async () => {
    stack = await startStack();
    const s = stack;
    const sim = s.simulator.sim;
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await sim.deliver({ url: `${s.service.url}/webhook`, action: 'create_microservice', shape: 'v1', inputs: { name: `m${i}`, region: 'eu' } });
      runIds.push(res.runId);
    }
    await sim.deliver({ url: `${s.service.url}/webhook`, action: 'e2e_throw', shape: 'v1' }).then((r) => runIds.push(r.runId));
    await sim.deliver({ url: `${s.service.url}/webhook`, runId: runIds[0], action: 'create_microservice', shape: 'v1', inputs: { name: 'm0', region: 'eu' } });
    await s.post('/webhook', '{}', { 'x-port-signature': 'v1,AAAA' });
    await s.post('/webhook', '{}', { 'x-port-signature': 'v1,AAAA' });
    await eventually(() => runIds.every((id) => sim.run(id)!.status !== 'IN_PROGRESS'), 8000, 'runs to finish');
    // A run's metrics are recorded just before its "run finished" line, which may come after Port has the status.
    await eventually(() => runIds.every((id) => s.logs.lines.some((l) => l.runId === id && l.message === 'run finished')), 8000, 'runs to log "run finished"');
    const text = await metricsText(s);
    expect(metric(text, 'port_runner_deliveries_total', { outcome: 'accepted' })).toBe(4);
    expect(metric(text, 'port_runner_deliveries_total', { outcome: 'duplicate' })).toBe(1);
    expect(metric(text, 'port_runner_deliveries_total', { outcome: 'invalid_signature' })).toBe(2);
    expect(metric(text, 'port_runner_runs_started_total', { action: 'create_microservice' })).toBe(3);
    expect(metric(text, 'port_runner_runs_finished_total', { action: 'create_microservice', status: 'SUCCESS' })).toBe(3);
    expect(metric(text, 'port_runner_runs_finished_total', { action: 'e2e_throw', status: 'FAILURE' })).toBe(1);
    expect(metric(text, 'port_runner_run_duration_seconds_count', { action: 'create_microservice' })).toBe(3);
    expect(metric(text, 'port_runner_port_token_requests_total')).toBe(1);
    expect(metric(text, 'port_runner_port_api_requests_total', { route: 'POST /v1/blueprints/{blueprint_identifier}/entities', status: '201' })).toBe(3);
    expect(metric(text, 'port_runner_runs_in_flight')).toBe(0);
    expect(metric(text, 'port_runner_queue_depth')).toBe(0);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toMatch(/r_[A-Za-z0-9]{16}/); // no run ids as label values
  });
});

describe('GET /readyz', () => {
  it('when everything works, then 200 naming each check', async () => {
    stack = await startStack();
    const res = await fetch(`${stack.service.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; checks: Record<string, { ok: boolean }> };
    expect(body.ok).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(['accepting', 'config', 'handlers', 'journal', 'portToken', 'queue']);
  });

  it('when Port cannot issue a token, then /readyz stays 200 and shows the token state in detail (the outbox rides out the outage)', async () => {
    stack = await startStack({ PORT_CALL_BUDGET_MS: '500' });
    const sim = stack.simulator.sim;
    sim.revokeCredentials();
    const run = await sim.deliver({ url: `${stack.service.url}/webhook`, action: 'create_microservice', shape: 'v1', inputs: { name: 'later', region: 'eu' } });
    expect(run.status).toBe(202);
    const s = stack;
    type Ready = { ok: boolean; checks: Record<string, { ok: boolean; detail?: { state?: string } }> };
    let ready: { status: number; body: Ready } = { status: 0, body: { ok: false, checks: {} } };
    for (let i = 0; i < 400 && ready.body.checks.portToken?.detail?.state !== 'refused'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      const res = await fetch(`${s.service.url}/readyz`);
      ready = { status: res.status, body: (await res.json()) as Ready };
    }
    expect(ready.status).toBe(200);
    expect(ready.body.checks.portToken).toMatchObject({ ok: true, detail: { state: 'refused', lastError: 'HTTP 401 unauthorized' } });
    const tokenRequests = sim.tokenRequests;
    for (let i = 0; i < 5; i++) expect((await fetch(`${s.service.url}/readyz`)).status).toBe(200);
    expect(sim.tokenRequests).toBe(tokenRequests); // the probe sends no token request
  });

  it('when the journal is deleted under the running service, then /readyz is 503 with journal failing and deliveries get 503 journal_unavailable', async () => {
    stack = await startStack();
    rmSync(stack.dataDir, { recursive: true, force: true });
    const res = await fetch(`${stack.service.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: Record<string, { ok: boolean }> }).checks.journal.ok).toBe(false);
    await new Promise((r) => setTimeout(r, 1100)); // the journal file is re-checked at most once a second
    const delivery = await stack.simulator.sim.deliver({ url: `${stack.service.url}/webhook`, action: 'create_microservice', shape: 'v1', inputs: { name: 'lost', region: 'eu' } });
    expect(delivery).toMatchObject({ status: 503, body: { ok: false, error: 'journal_unavailable' } });
  });

  it('when the service is shutting down, then /readyz is 503 and new deliveries get 503 shutting_down', async () => {
    // A run held in flight keeps the shutdown open for as long as the test needs, however slow the machine.
    stack = await startStack({ SHUTDOWN_GRACE_MS: '60000' });
    const s = stack;
    const held = await s.simulator.sim.deliver({ url: `${s.service.url}/webhook`, action: 'e2e_held', shape: 'v1' });
    expect(held.status).toBe(202);
    await eventually(() => heldRuns.has(held.runId), 8000, 'the held run to start');
    const stopping = s.service.stop();
    const ready = await fetch(`${s.service.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks.accepting.ok).toBe(false);
    const late = await s.simulator.sim.deliver({ url: `${s.service.url}/webhook`, action: 'create_microservice', shape: 'v1', inputs: { name: 'late', region: 'eu' } });
    expect(late).toMatchObject({ status: 503, body: { ok: false, error: 'shutting_down' } });
    heldRuns.get(held.runId)!();
    await stopping;
    // The in-flight run was let finish within the grace period.
    expect(s.simulator.sim.run(held.runId)).toMatchObject({ status: 'SUCCESS' });
    expect(s.simulator.sim.run(held.runId)!.logs.map((l) => l.message)).toEqual(['released']);
  });

  it('when MAX_QUEUED_RUNS runs already wait, then /readyz is 503 on the queue check and the next delivery gets 503 queue_full', async () => {
    stack = await startStack({ MAX_CONCURRENT_RUNS: '1', MAX_QUEUED_RUNS: '1' });
    const s = stack;
    const deliver = () => s.simulator.sim.deliver({ url: `${s.service.url}/webhook`, action: 'e2e_held', shape: 'v1' });
    const running = await deliver();
    await eventually(() => heldRuns.has(running.runId), 8000, 'the first run to start');
    const waiting = await deliver();
    expect(waiting.status).toBe(202);
    const ready = await fetch(`${s.service.url}/readyz`);
    expect(ready.status).toBe(503);
    const { checks } = (await ready.json()) as { checks: Record<string, { ok: boolean; detail?: unknown }> };
    expect(checks.queue).toEqual({ ok: false, detail: { queued: 1, max: 1 } });
    expect(Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name)).toEqual(['queue']);
    expect(await deliver()).toMatchObject({ status: 503, body: { ok: false, error: 'queue_full' } });
    heldRuns.get(running.runId)!();
    await eventually(() => heldRuns.has(waiting.runId), 8000, 'the queued run to start');
    expect((await fetch(`${s.service.url}/readyz`)).status).toBe(200);
    heldRuns.get(waiting.runId)!();
  });
});

describe('ordering', () => {
  it('when a handler is busy before its first await, then the 202 is written before the handler starts', async () => {
    stack = await startStack();
    const s = stack;
    const res = await s.simulator.sim.deliver({ url: `${s.service.url}/webhook`, action: 'e2e_busy', shape: 'v1' });
    expect(res.status).toBe(202);
    await eventually(() => s.simulator.sim.run(res.runId)!.status === 'SUCCESS', 8000, 'the run to succeed');
    const messages = s.logs.lines.filter((l) => l.runId === res.runId).map((l) => l.message);
    expect(messages.indexOf('delivery accepted')).toBeGreaterThanOrEqual(0);
    expect(messages.indexOf('delivery accepted')).toBeLessThan(messages.indexOf('handler started'));
  });

  it('when Port is down while a synchronized run waits for its reports, then the answer comes after one call budget and shutdown completes', async () => {
    stack = await startStack({ PORT_CALL_BUDGET_MS: '800', SHUTDOWN_GRACE_MS: '200' });
    const s = stack;
    const run = s.simulator.sim.createRun({ action: 'e2e_sync' });
    s.simulator.sim.outage();
    const sent = performance.now();
    const answer = await s.post('/webhook', JSON.stringify({ context: { runId: run.id }, action: 'e2e_sync', payload: { properties: { name: 'db' } } }));
    const waitedMs = performance.now() - sent;
    expect(answer).toEqual({ status: 200, body: { created: 'db' } });
    // It waited for its log line for one call budget (800 ms), and not for the outage to end (it never does).
    expect(waitedMs).toBeGreaterThanOrEqual(800);
    expect(waitedMs).toBeLessThan(10_000);
    expect(s.logs.lines.some((l) => l.runId === run.id && l.message === 'reports of a synchronized run were not all delivered before the answer')).toBe(true);
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([s.service.stop().then(() => 'stopped'), new Promise((r) => (timer = setTimeout(() => r('hung'), 15_000)))]);
    clearTimeout(timer);
    expect(stopped).toBe('stopped');
    s.simulator.sim.clearOutage();
  });
});

describe('logs', () => {
  it('when a run is processed (one Port call retried), then every line about it carries runId and action, and request lines a request id', async () => {
    stack = await startStack();
    const s = stack;
    s.simulator.sim.failNext({ route: 'POST /v1/blueprints/{blueprint_identifier}/entities', count: 1, status: 503 });
    const res = await s.simulator.sim.deliver({ url: `${s.service.url}/webhook`, action: 'create_microservice', shape: 'v1', inputs: { name: 'logged', region: 'eu' }, headers: { 'x-request-id': 'req-abc-123' } });
    await eventually(() => s.simulator.sim.run(res.runId)!.status === 'SUCCESS', 8000, 'the run to succeed');
    await eventually(() => s.logs.lines.some((l) => l.runId === res.runId && l.message === 'run finished'), 8000, 'the "run finished" line');
    const about = s.logs.lines.filter((l) => JSON.stringify(l).includes(res.runId));
    expect(about.length).toBeGreaterThan(0);
    for (const line of about) expect({ line, runId: line.runId, action: line.action }).toEqual({ line, runId: res.runId, action: 'create_microservice' });
    expect(about.some((l) => l.message === 'port api attempt failed; retrying')).toBe(true);
    expect(s.logs.lines.some((l) => l.requestId === 'req-abc-123' && l.runId === res.runId)).toBe(true);
  });

  it('when secrets pass through every path (credentials, token, signature, Authorization, encrypted input, payload at debug), then none appears in any log line', async () => {
    stack = await startStack({ LOG_LEVEL: 'debug' });
    const s = stack;
    const key = Buffer.from(CLIENT_SECRET, 'utf8').subarray(0, 32);
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const encrypted = Buffer.concat([iv, cipher.update('hunter2-plaintext', 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const res = await s.simulator.sim.deliver({
      url: `${s.service.url}/webhook`,
      action: 'create_microservice',
      shape: 'v1',
      inputs: { name: 'secretive', region: 'eu', password: encrypted },
      headers: { authorization: 'Bearer user-supplied-token-xyz' },
    });
    await eventually(() => s.simulator.sim.run(res.runId)!.status !== 'IN_PROGRESS', 8000, 'the run to end');
    await s.post('/webhook', JSON.stringify({ runId: 'r_x' }), { 'x-port-signature': 'v1,Zm9yZ2VkLXNpZ25hdHVyZS1sb25nLWVub3VnaC10by1tYXRjaA==' });
    const tokens = s.simulator.sim.requests({ route: '/v1/auth/access_token' });
    expect(tokens.length).toBe(1);
    const text = s.logs.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain('user-supplied-token-xyz');
    expect(text).not.toContain(encrypted);
    expect(text).not.toContain('Zm9yZ2VkLXNpZ25hdHVyZS1sb25nLWVub3VnaC10by1tYXRjaA==');
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no JWT access token
  });
});
