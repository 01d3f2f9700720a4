import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CREDS, setup } from './helpers.js';

describe('simulated Port: auth', () => {
  it('when credentials are right, then a Bearer token with expiresIn is issued and looks like a JWT with exp', async () => {
    const { app, clock } = await setup({ tokenExpiresInSeconds: 600 });
    const res = await request(app).post('/v1/auth/access_token').send(CREDS);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, tokenType: 'Bearer', expiresIn: 600 });
    const payload = JSON.parse(Buffer.from(res.body.accessToken.split('.')[1], 'base64url').toString());
    expect(payload.exp).toBe(Math.floor(clock.t / 1000) + 600);
  });

  it('when credentials are wrong, then 401 unauthorized', async () => {
    const { app } = await setup();
    const res = await request(app).post('/v1/auth/access_token').send({ ...CREDS, clientSecret: 'nope' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ ok: false, error: 'unauthorized' });
  });

  it('when the active token is asked for again, then Port hands back the same token with the time it has left', async () => {
    const { app, clock, token } = await setup({ tokenExpiresInSeconds: 600 });
    clock.t += 100_000;
    const res = await request(app).post('/v1/auth/access_token').send(CREDS);
    expect(res.body).toMatchObject({ accessToken: token, expiresIn: 500 });
  });

  it('when the token is missing, wrong or expired, then 401 unauthorized', async () => {
    const { app, sim, clock, auth } = await setup({ tokenExpiresInSeconds: 60 });
    const run = sim.createRun({ action: 'a' });
    const path = `/v1/actions/runs/${run.id}?version=v2`;
    expect((await request(app).get(path).set(auth)).status).toBe(200);
    expect((await request(app).get(path)).body).toMatchObject({ ok: false, error: 'unauthorized' });
    expect((await request(app).get(path).set({ authorization: 'Bearer forged.token.x' })).status).toBe(401);
    clock.t += 60_000;
    const expired = await request(app).get(path).set(auth);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ ok: false, error: 'unauthorized', message: 'The access token has expired' });
  });

  it('when a token expires, then a fresh token request yields a new working token', async () => {
    const { app, sim, clock, token } = await setup({ tokenExpiresInSeconds: 60 });
    clock.t += 61_000;
    const res = await request(app).post('/v1/auth/access_token').send(CREDS);
    expect(res.body.accessToken).not.toBe(token);
    const run = sim.createRun({ action: 'a' });
    expect((await request(app).get(`/v1/actions/runs/${run.id}`).set({ authorization: `Bearer ${res.body.accessToken}` })).status).toBe(200);
    expect(sim.tokenRequests).toBe(2);
  });
});

describe('simulated Port: runs', () => {
  it('when a run is fetched with version=v2, then it has the v2 shape; without it, the v1 shape', async () => {
    const { app, sim, auth } = await setup();
    const run = sim.createRun({ action: 'create_vm', blueprint: 'vm', properties: { cpu: 2 } });
    const v2 = await request(app).get(`/v1/actions/runs/${run.id}?version=v2`).set(auth);
    expect(v2.body.run).toMatchObject({ id: run.id, status: 'IN_PROGRESS', action: { identifier: 'create_vm' }, blueprint: { identifier: 'vm' }, properties: { cpu: 2 } });
    expect(v2.body.run.endedAt).toBeUndefined();
    const v1 = await request(app).get(`/v1/actions/runs/${run.id}`).set(auth);
    expect(v1.body.run).toMatchObject({ action: 'create_vm', endedAt: null });
  });

  it('when the run is unknown, then 404 not_found', async () => {
    const { app, auth } = await setup();
    for (const res of [
      await request(app).get('/v1/actions/runs/r_missing?version=v2').set(auth),
      await request(app).patch('/v1/actions/runs/r_missing').set(auth).send({ statusLabel: 'x' }),
      await request(app).post('/v1/actions/runs/r_missing/logs').set(auth).send({ message: 'x' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ ok: false, error: 'not_found', message: expect.stringContaining('r_missing') });
    }
  });

  it('when label, links, summary and external id are patched, then links overwrite and the run stays in progress', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({ link: ['https://a'], statusLabel: 'working' }).expect(200);
    const res = await request(app).patch(`/v1/actions/runs/${id}?version=v2`).set(auth).send({ link: ['https://b'], summary: 's', externalRunId: 'ext-1' });
    expect(res.body.run).toMatchObject({ link: ['https://b'], summary: 's', statusLabel: 'working', status: 'IN_PROGRESS' });
    expect(sim.run(id)).toMatchObject({ link: ['https://b'], externalRunId: 'ext-1', endedAt: null });
  });

  it('when the final status is patched, then it is accepted once and every later write gets 422', async () => {
    const { app, sim, auth, clock } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    expect(sim.runStatus(id)).toBe('IN_PROGRESS');
    expect(sim.runStatus('r_nobody')).toBeUndefined();
    const done = await request(app).patch(`/v1/actions/runs/${id}?version=v2`).set(auth).send({ status: 'SUCCESS', statusLabel: 'done' });
    expect(done.status).toBe(200);
    expect(sim.runStatus(id)).toBe('SUCCESS');
    expect(done.body.run).toMatchObject({ status: 'SUCCESS', endedAt: new Date(clock.t).toISOString() });
    const again = await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({ status: 'FAILURE' });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ ok: false, error: 'run_already_finished' });
    expect((await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({ statusLabel: 'late' })).status).toBe(422);
    expect((await request(app).post(`/v1/actions/runs/${id}/logs`).set(auth).send({ message: 'late' })).status).toBe(422);
    const run = sim.run(id)!;
    expect(run).toMatchObject({ status: 'SUCCESS', statusLabel: 'done' });
    expect(run.rejectedWrites.map((w) => w.kind)).toEqual(['patch', 'patch', 'log']);
  });

  it('when logs are posted, then they are kept in order and a terminationStatus finishes the run', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    for (const m of ['one', 'two']) {
      const res = await request(app).post(`/v1/actions/runs/${id}/logs`).set(auth).send({ message: m });
      expect(res.status).toBe(201);
      expect(res.body.runLog).toMatchObject({ runId: id, message: m });
    }
    await request(app).post(`/v1/actions/runs/${id}/logs`).set(auth).send({ message: 'bye', terminationStatus: 'FAILURE', statusLabel: 'broke' }).expect(201);
    expect(sim.run(id)).toMatchObject({ status: 'FAILURE', statusLabel: 'broke', endedAt: expect.any(String) });
    const list = await request(app).get(`/v1/actions/runs/${id}/logs?limit=2&offset=1`).set(auth);
    expect(list.body.runLogs.map((l: { message: string }) => l.message)).toEqual(['two', 'bye']);
    expect((await request(app).post(`/v1/actions/runs/${id}/logs`).set(auth).send({ message: 'x', terminationStatus: 'SUCCESS' })).status).toBe(422);
  });

  it('when an action is executed over the API, then a run is created IN_PROGRESS with 202', async () => {
    const { app, sim, auth } = await setup();
    const res = await request(app).post('/v1/actions/deploy/runs').set(auth).send({ properties: { env: 'prod' }, entity: 'svc-1' });
    expect(res.status).toBe(202);
    expect(res.body.run).toMatchObject({ status: 'IN_PROGRESS', action: { identifier: 'deploy' }, entity: { identifier: 'svc-1' } });
    expect(sim.run(res.body.run.id)).toMatchObject({ properties: { env: 'prod' } });
  });
});

describe('simulated Port: request validation', () => {
  it('when a PATCH body has an unknown key, then 422 invalid_request naming it, recorded as a violation, and the run is untouched', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    const res = await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({ logMessage: 'x' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ ok: false, error: 'invalid_request', message: "body must NOT have additional property 'logMessage'" });
    expect(sim.violations()).toEqual([expect.objectContaining({ kind: 'schema', method: 'PATCH', route: '/v1/actions/runs/{run_id}', message: res.body.message })]);
    expect(sim.run(id)!.logs).toEqual([]);
  });

  it('when a status is outside the enum, then 422 and a recorded violation', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    const res = await request(app).post(`/v1/actions/runs/${id}/logs`).set(auth).send({ message: 'm', terminationStatus: 'DONE' });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('body.terminationStatus must be one of: SUCCESS, FAILURE');
    expect(sim.violations()).toHaveLength(1);
    expect(sim.run(id)!.status).toBe('IN_PROGRESS');
  });

  it('when a route Port lacks is called, then 404 and it is recorded as an unknown route', async () => {
    const { app, sim, auth } = await setup();
    const res = await request(app).post('/v1/actions/runs/r_1/statuses').set(auth).send({});
    expect(res.status).toBe(404);
    expect(sim.violations()).toEqual([expect.objectContaining({ kind: 'unknown_route', path: '/v1/actions/runs/r_1/statuses' })]);
    expect(sim.counts()).toEqual(expect.objectContaining({ unknown: 1 }));
  });

  it('when the body is over 1 MiB, then 413', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    const res = await request(app).post(`/v1/actions/runs/${id}/logs`).set(auth).send({ message: 'x'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ ok: false, error: 'payload_too_large' });
  });

  it('when a body is not declared JSON or is empty JSON, then 415 / 400 and a recorded violation', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    const text = await request(app).post(`/v1/actions/runs/${id}/logs`).set(auth).set('content-type', 'text/plain').send('{"message":"x"}');
    expect(text.status).toBe(415);
    const empty = await request(app).delete('/v1/blueprints/svc/entities/e1').set(auth).set('content-type', 'application/json');
    expect(empty.status).toBe(400);
    expect(sim.violations().map((v) => v.kind)).toEqual(['content_type', 'invalid_json']);
  });

  it('when requests are made, then the log has route templates, timings, masked secrets and counts per route', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    await request(app).patch(`/v1/actions/runs/${id}?version=v2`).set(auth).send({ statusLabel: 'x' });
    const [tokenReq, patch] = sim.requests();
    expect(tokenReq).toMatchObject({ route: '/v1/auth/access_token', body: { clientId: CREDS.clientId, clientSecret: '[redacted]' }, status: 200 });
    expect(patch).toMatchObject({ method: 'PATCH', route: '/v1/actions/runs/{run_id}', path: `/v1/actions/runs/${id}`, query: { version: 'v2' }, status: 200, body: { statusLabel: 'x' }, fault: null });
    expect(patch.durationMs).toEqual(expect.any(Number));
    expect(sim.counts()).toEqual({ 'POST /v1/auth/access_token': 1, 'PATCH /v1/actions/runs/{run_id}': 1 });
    expect(JSON.stringify(sim.requests())).not.toContain(CREDS.clientSecret);
  });

  it('when reset, then runs, log, counts and violations are gone but the token still works', async () => {
    const { app, sim, auth } = await setup();
    sim.createRun({ action: 'a', runId: 'r_keep' });
    await request(app).patch('/v1/actions/runs/r_keep').set(auth).send({ bad: 1 });
    sim.reset();
    expect([sim.runs(), sim.requests(), sim.violations(), sim.counts()]).toEqual([[], [], [], {}]);
    sim.createRun({ action: 'a', runId: 'r_keep' });
    expect((await request(app).get('/v1/actions/runs/r_keep').set(auth)).status).toBe(200);
  });
});
