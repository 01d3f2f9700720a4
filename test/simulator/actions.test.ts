// The simulated /v1/actions: strict like Port (schema, 404, 409, 422).
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { setup } from './helpers.js';

const def = (over: Record<string, unknown> = {}) => ({
  identifier: 'deploy',
  trigger: { type: 'self-service', operation: 'CREATE', userInputs: { properties: { env: { type: 'string', enum: ['a', 'b'] } }, required: ['env'], order: ['env'] } },
  invocationMethod: { type: 'WEBHOOK', url: 'https://runner.example.com/webhook', agent: false, synchronized: false, method: 'POST' },
  ...over,
});

describe('simulated /v1/actions', () => {
  it('when an action is created, read, replaced and deleted, then each answer is what Port holds', async () => {
    const { app, sim, auth, clock } = await setup();
    expect((await request(app).post('/v1/actions').set(auth).send(def())).status).toBe(201);
    clock.t += 1000;
    const put = await request(app).put('/v1/actions/deploy').set(auth).send(def({ title: 'Deploy' }));
    expect(put.status).toBe(200);
    expect(put.body.action).toMatchObject({ identifier: 'deploy', title: 'Deploy', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:01.000Z' });
    expect((await request(app).get('/v1/actions/deploy').set(auth)).body.action.title).toBe('Deploy');
    expect(sim.actions().map((a) => a.title)).toEqual(['Deploy']);
    expect((await request(app).delete('/v1/actions/deploy').set(auth)).status).toBe(200);
    expect(sim.actions()).toEqual([]);
  });

  it('when GET /v1/actions filters by trigger type or blueprint, then only matching actions come back', async () => {
    const { app, sim, auth } = await setup();
    sim.createAction(def() as never);
    sim.createAction({ identifier: 'watch', trigger: { type: 'automation', event: { type: 'ENTITY_UPDATED', blueprintIdentifier: 'service' } }, invocationMethod: def().invocationMethod } as never);
    const ids = async (q: string) => (await request(app).get(`/v1/actions?version=v2&${q}`).set(auth)).body.actions.map((a: { identifier: string }) => a.identifier);
    expect(await ids('trigger_type=automation')).toEqual(['watch']);
    expect(await ids('trigger_type=self-service')).toEqual(['deploy']);
    expect(await ids('blueprint_identifier=service')).toEqual(['watch']);
    expect(await ids('action_identifier=deploy&action_identifier=watch')).toEqual(['deploy', 'watch']);
  });

  it.each([
    ['a second POST with the same identifier', 'post', '/v1/actions', def(), 409, 'conflict'],
    ['a PUT on an unknown action', 'put', '/v1/actions/nope', def({ identifier: 'nope' }), 404, 'not_found'],
    ['a DELETE of an unknown action', 'delete', '/v1/actions/nope', undefined, 404, 'not_found'],
    ['a PUT whose body names another identifier', 'put', '/v1/actions/deploy', def({ identifier: 'other' }), 422, 'invalid_request'],
    ['a field Port does not know', 'post', '/v1/actions', def({ identifier: 'x', colour: 'red' }), 422, 'invalid_request'],
    ['required naming a missing input', 'post', '/v1/actions', def({ identifier: 'x', trigger: { ...def().trigger, userInputs: { properties: {}, required: ['env'], order: [] } } }), 422, 'invalid_request'],
    ['an entity input without blueprint', 'post', '/v1/actions', def({ identifier: 'x', trigger: { ...def().trigger, userInputs: { properties: { s: { type: 'string', format: 'entity' } }, required: [], order: ['s'] } } }), 422, 'invalid_request'],
  ] as const)('when the request is %s, then Port refuses it with its status and code', async (_what, method, path, body, status, error) => {
    const { app, sim, auth } = await setup();
    sim.createAction(def() as never);
    const req = request(app)[method](path).set(auth);
    const res = await (body === undefined ? req : req.send(body));
    expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
  });
});
