import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { setup } from './helpers.js';

const E = '/v1/blueprints/service/entities';

describe('simulated Port: entities', () => {
  it('when an entity is created without upsert and the identifier exists, then 409', async () => {
    const { app, auth } = await setup();
    await request(app).post(E).set(auth).send({ identifier: 'svc', title: 'Svc' }).expect(201);
    const res = await request(app).post(E).set(auth).send({ identifier: 'svc' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ ok: false, error: 'conflict' });
  });

  it('when upserted without merge, then the entity is replaced; with merge, only the given fields change', async () => {
    const { app, sim, auth } = await setup();
    await request(app).post(E).set(auth).send({ identifier: 'svc', title: 'Svc', properties: { a: 1, b: 2 } }).expect(201);
    await request(app).post(`${E}?upsert=true&merge=true`).set(auth).send({ identifier: 'svc', properties: { b: 3 } }).expect(201);
    expect(sim.entity('service', 'svc')).toMatchObject({ title: 'Svc', properties: { a: 1, b: 3 } });
    const res = await request(app).post(`${E}?upsert=true`).set(auth).send({ identifier: 'svc', properties: { c: 4 } });
    expect(res.body).toEqual({ ok: true, entity: { identifier: 'svc', properties: { c: 4 }, relations: {} } });
  });

  it('when PATCH, PUT, GET and DELETE are used, then they update, replace, read and remove; missing entities are 404', async () => {
    const { app, sim, auth } = await setup();
    await request(app).post(E).set(auth).send({ identifier: 'svc', title: 'T', properties: { a: 1 } }).expect(201);
    await request(app).patch(`${E}/svc`).set(auth).send({ properties: { b: 2 } }).expect(200);
    expect(sim.entity('service', 'svc')).toMatchObject({ title: 'T', properties: { a: 1, b: 2 } });
    await request(app).put(`${E}/svc`).set(auth).send({ identifier: 'svc', properties: { z: 0 } }).expect(200);
    const got = await request(app).get(`${E}/svc`).set(auth);
    expect(got.body.entity).toEqual({ identifier: 'svc', properties: { z: 0 }, relations: {} });
    await request(app).delete(`${E}/svc?delete_dependents=false`).set(auth).expect(200);
    expect((await request(app).get(`${E}/svc`).set(auth)).body).toMatchObject({ error: 'not_found' });
    expect((await request(app).patch(`${E}/svc`).set(auth).send({ title: 'x' })).status).toBe(404);
  });

  it('when a PATCH body has a key Port does not accept, then 422 (PATCH schemas are closed)', async () => {
    const { app, sim, auth } = await setup();
    sim.seedEntity('service', { identifier: 'svc' });
    const res = await request(app).patch(`${E}/svc`).set(auth).send({ blueprint: 'service' });
    expect(res.status).toBe(422);
    expect(sim.violations()).toHaveLength(1);
  });

  it('when writes carry the run_id of an open run, then each is tied to the run', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    await request(app).post(`${E}?upsert=true&run_id=${id}`).set(auth).send({ identifier: 'svc' }).expect(201);
    await request(app).patch(`${E}/svc?run_id=${id}`).set(auth).send({ title: 'x' }).expect(200);
    await request(app).delete(`${E}/svc?run_id=${id}`).set(auth).expect(200);
    expect(sim.tiedEntities(id).map((t) => [t.blueprint, t.identifier, t.operation])).toEqual([
      ['service', 'svc', 'upsert'],
      ['service', 'svc', 'update'],
      ['service', 'svc', 'delete'],
    ]);
  });

  it('when the run_id names a finished run, then 422 and nothing is written; an unknown run is 404', async () => {
    const { app, sim, auth } = await setup();
    const { id } = sim.createRun({ action: 'a' });
    await request(app).patch(`/v1/actions/runs/${id}`).set(auth).send({ status: 'SUCCESS' }).expect(200);
    const late = await request(app).post(`${E}?upsert=true&run_id=${id}`).set(auth).send({ identifier: 'svc' });
    expect(late.status).toBe(422);
    expect(late.body).toMatchObject({ error: 'run_already_finished' });
    expect(sim.entity('service', 'svc')).toBeUndefined();
    expect(sim.run(id)!.rejectedWrites).toEqual([expect.objectContaining({ kind: 'entity' })]);
    const unknown = await request(app).post(`${E}?run_id=r_nope`).set(auth).send({ identifier: 'svc' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
  });

  it('when a relation names a missing entity, then 404 unless create_missing_related_entities', async () => {
    const { app, auth } = await setup();
    const body = { identifier: 'svc', relations: { team: 'platform' } };
    expect((await request(app).post(E).set(auth).send(body)).status).toBe(404);
    expect((await request(app).post(`${E}?create_missing_related_entities=true`).set(auth).send(body)).status).toBe(201);
  });

  it('when a bulk write has failures, then 207 with per-entity errors, and more than 20 entities is 422', async () => {
    const { app, sim, auth } = await setup();
    sim.seedEntity('service', { identifier: 'taken' });
    const res = await request(app).post(`${E}/bulk`).set(auth).send({ entities: [{ identifier: 'new' }, { identifier: 'taken' }] });
    expect(res.status).toBe(207);
    expect(res.body.entities).toEqual([{ identifier: 'new', index: 0, created: true }]);
    expect(res.body.errors).toEqual([expect.objectContaining({ identifier: 'taken', index: 1, statusCode: 409 })]);
    const many = Array.from({ length: 21 }, (_, i) => ({ identifier: `e${i}` }));
    expect((await request(app).post(`${E}/bulk`).set(auth).send({ entities: many })).status).toBe(422);
  });
});
