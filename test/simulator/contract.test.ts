// The simulator's own answers must match Port's documented response schemas, or tests passing against
// it would prove nothing about Port.
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CREDS, setup } from './helpers.js';

describe('simulated Port answers match the vendored response schemas', () => {
  it('when every simulated operation succeeds, then its body validates against the documented schema', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a', blueprint: 'service', entity: 'svc' });
    const E = '/v1/blueprints/service/entities';
    const calls: Array<[string, request.Test]> = [
      ['POST /v1/auth/access_token', request(app).post('/v1/auth/access_token').send(CREDS)],
      ['GET /v1/actions/runs/{run_id}', request(app).get(`/v1/actions/runs/${id}?version=v2`).set(auth)],
      ['POST /v1/actions/runs/{run_id}/logs', request(app).post(`/v1/actions/runs/${id}/logs`).set(auth).send({ message: 'm' })],
      ['GET /v1/actions/runs/{run_id}/logs', request(app).get(`/v1/actions/runs/${id}/logs`).set(auth)],
      ['POST /v1/blueprints/{blueprint_identifier}/entities', request(app).post(`${E}?upsert=true&run_id=${id}`).set(auth).send({ identifier: 'svc', title: 'S', team: ['t'] })],
      ['POST /v1/blueprints/{blueprint_identifier}/entities/bulk', request(app).post(`${E}/bulk?upsert=true`).set(auth).send({ entities: [{ identifier: 'b1' }] })],
      ['GET /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}', request(app).get(`${E}/svc`).set(auth)],
      ['PUT /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}', request(app).put(`${E}/svc`).set(auth).send({ identifier: 'svc' })],
      ['PATCH /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}', request(app).patch(`${E}/svc`).set(auth).send({ title: 'T' })],
      ['DELETE /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}', request(app).delete(`${E}/b1`).set(auth)],
      ['PATCH /v1/actions/runs/{run_id}', request(app).patch(`/v1/actions/runs/${id}?version=v2`).set(auth).send({ status: 'SUCCESS', link: 'https://x', summary: 's' })],
      ['POST /v1/actions/{action_identifier}/runs', request(app).post('/v1/actions/a/runs').set(auth).send({ properties: {} })],
      ['GET /v1/blueprints/{identifier}', request(app).get('/v1/blueprints/service').set(auth)],
      ['POST /v1/entities/search', request(app).post('/v1/entities/search').set(auth).send({ combinator: 'and', rules: [{ property: '$identifier', operator: '=', value: 'svc' }] })],
      ['POST /v1/blueprints/{blueprint_identifier}/entities/search', request(app).post(`${E}/search`).set(auth).send({ query: { combinator: 'and', rules: [] } })],
    ];
    for (const [op, call] of calls) {
      const res = await call;
      expect({ op, verdict: sim.validator.validateResponse(op, res.status, res.body) }).toEqual({ op, verdict: { ok: true } });
    }
    // Port's spec documents no success body for /v1/actions: what the simulator answers must at least be a
    // definition POST /v1/actions accepts again, plus the fields Port adds.
    const def = {
      identifier: 'act',
      trigger: { type: 'self-service', operation: 'CREATE', userInputs: { properties: { n: { type: 'string' } }, required: ['n'], order: ['n'] } },
      invocationMethod: { type: 'WEBHOOK', url: 'https://x.example.com/webhook' },
    };
    const actionCalls: Array<[string, () => request.Test]> = [
      ['POST /v1/actions', () => request(app).post('/v1/actions').set(auth).send(def)],
      ['GET /v1/actions', () => request(app).get('/v1/actions?version=v2').set(auth)],
      ['GET /v1/actions/{action_identifier}', () => request(app).get('/v1/actions/act').set(auth)],
      ['PUT /v1/actions/{action_identifier}', () => request(app).put('/v1/actions/act').set(auth).send({ ...def, title: 'Act' })],
      ['DELETE /v1/actions/{action_identifier}', () => request(app).delete('/v1/actions/act').set(auth)],
    ];
    for (const [op, call] of actionCalls) {
      const res = await call();
      expect({ op, status: res.status, ok: res.body.ok }).toEqual({ op, status: op.startsWith('POST') ? 201 : 200, ok: true });
      for (const a of res.body.actions ?? (res.body.action ? [res.body.action] : [])) {
        const { createdAt, createdBy, updatedAt, updatedBy, ...again } = a;
        expect([createdAt, createdBy, updatedAt, updatedBy].every((v) => typeof v === 'string')).toBe(true);
        expect(sim.validator.bodyErrors('POST /v1/actions', again)).toBeNull();
      }
    }
    expect(sim.violations()).toEqual([]);
    expect(sim.validator.operations.map((o) => o.key).sort()).toEqual([...calls, ...actionCalls].map(([op]) => op).sort());
  });

  it('when errors are answered, then they have Port error shape for the documented statuses', async () => {
    const { app, sim, auth } = await setup();
    const cases: Array<[string, request.Test]> = [
      ['GET /v1/actions/runs/{run_id}', request(app).get('/v1/actions/runs/r_x')],
      ['GET /v1/actions/runs/{run_id}', request(app).get('/v1/actions/runs/r_x').set(auth)],
      ['PATCH /v1/actions/runs/{run_id}', request(app).patch('/v1/actions/runs/r_x').set(auth).send({ nope: 1 })],
    ];
    for (const [op, call] of cases) {
      const res = await call;
      expect(sim.validator.validateResponse(op, res.status, res.body)).toEqual({ ok: true });
    }
  });
});
