import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CREDS, setup } from './helpers.js';

const PATCH_RUN = 'PATCH /v1/actions/runs/{run_id}';

describe('simulated Port: faults', () => {
  it('when latency is set for a route, then that route answers no sooner and others are not delayed', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    sim.setLatency(80, PATCH_RUN);
    const t0 = Date.now();
    await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({ statusLabel: 'x' }).expect(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    expect(sim.faults.latencyFor('GET', '/v1/actions/runs/{run_id}')).toBe(0);
  });

  it('when the next N requests to a route should fail, then exactly N answer the status and the rest succeed', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    sim.failNext({ route: PATCH_RUN, count: 2, status: 502, headers: { 'x-extra': '1' } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({ statusLabel: `l${i}` })).status);
    expect(statuses).toEqual([502, 502, 200]);
    expect(sim.run(id)!.statusLabel).toBe('l2');
    expect(sim.requests({ route: '/v1/actions/runs/{run_id}' }).map((r) => r.fault)).toEqual(['fail-next', 'fail-next', null]);
    expect((await request(app).get(`/v1/actions/runs/${id}`).set(auth)).status).toBe(200);
  });

  it('when rate limited, then 429 carries Retry-After or x-ratelimit-reset', async () => {
    const { app, sim, auth, clock } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    sim.rateLimit({ retryAfterSeconds: 2 });
    const a = await request(app).get(`/v1/actions/runs/${id}`).set(auth);
    expect(a.status).toBe(429);
    expect(a.headers['retry-after']).toBe('2');
    sim.rateLimit({ resetAfterSeconds: 5 });
    const b = await request(app).get(`/v1/actions/runs/${id}`).set(auth);
    expect(b.status).toBe(429);
    expect(b.headers['x-ratelimit-reset']).toBe(String(Math.ceil(clock.t / 1000 + 5)));
    expect((await request(app).get(`/v1/actions/runs/${id}`).set(auth)).status).toBe(200);
  });

  it('when an outage runs for a duration, then every Port route answers 503 until it ends', async () => {
    const { app, sim, auth, clock } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    sim.outage(10_000);
    expect((await request(app).post('/v1/auth/access_token').send(CREDS)).status).toBe(503);
    expect((await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({ status: 'SUCCESS' })).status).toBe(503);
    expect(sim.run(id)!.status).toBe('IN_PROGRESS');
    clock.t += 10_000;
    expect((await request(app).get(`/v1/actions/runs/${id}`).set(auth)).status).toBe(200);
  });

  it('when an open-ended outage is cleared, then Port answers again', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    sim.outage();
    expect((await request(app).get(`/v1/actions/runs/${id}`).set(auth)).status).toBe(503);
    sim.clearOutage();
    expect((await request(app).get(`/v1/actions/runs/${id}`).set(auth)).status).toBe(200);
  });

  it('when tokens are expired by fault, then the old token gets 401 and a new one is issued', async () => {
    const { app, sim, auth, token } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    sim.expireTokens();
    expect((await request(app).get(`/v1/actions/runs/${id}`).set(auth)).status).toBe(401);
    const fresh = await request(app).post('/v1/auth/access_token').send(CREDS);
    expect(fresh.body.accessToken).not.toBe(token);
  });

  it('when faults are driven over /_sim/, then they apply and the inspection API reports them', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    await request(app).post('/_sim/faults/next').send({ route: PATCH_RUN, count: 1, status: 500 }).expect(200);
    expect((await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({})).status).toBe(500);
    await request(app).post('/_sim/faults/rate-limit').send({ retryAfterSeconds: 1 }).expect(200);
    expect((await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({})).status).toBe(429);
    await request(app).post('/_sim/faults/outage').send({}).expect(200);
    expect((await request(app).get(`/v1/actions/runs/${id}`).set(auth)).status).toBe(503);
    await request(app).delete('/_sim/faults/outage').expect(200);
    await request(app).post('/_sim/tokens/expire').expect(200);
    expect((await request(app).get(`/v1/actions/runs/${id}`).set(auth)).status).toBe(401);
    const counts = await request(app).get('/_sim/counts');
    expect(counts.body).toMatchObject({ ok: true, tokenRequests: 1, counts: { [PATCH_RUN]: 2, 'GET /v1/actions/runs/{run_id}': 2 } });
    const run = await request(app).get(`/_sim/runs/${id}`);
    expect(run.body.run).toMatchObject({ id, status: 'IN_PROGRESS', logs: [] });
    await request(app).post('/_sim/reset').expect(200);
    expect((await request(app).get('/_sim/runs')).body.runs).toEqual([]);
  });
});
