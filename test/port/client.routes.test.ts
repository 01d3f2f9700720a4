import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PortClient } from '../../src/port/client.js';
import type { EntityInput, RunPatch } from '../../src/port/types.js';
import { makeClient } from './clientKit.js';
import { startTestServer, type Recorded, type TestServer } from './testServer.js';

const RUN = { id: 'r_1', status: 'IN_PROGRESS', action: { identifier: 'deploy' }, properties: {} };
const ENTITY = { identifier: 'svc-a', title: 'A', properties: { region: 'eu' } };

let server: TestServer;
let client: PortClient;

beforeEach(async () => {
  server = await startTestServer();
  server.setHandler((req) => {
    if (req.path.startsWith('/v1/actions/runs/') && req.path.endsWith('/logs')) return { status: 201, body: { ok: true, runLog: { id: 'l1' } } };
    if (req.path.startsWith('/v1/actions/runs/')) return { status: 200, body: { ok: true, run: RUN } };
    if (req.method === 'DELETE') return { status: 200, body: { ok: true } };
    return { status: req.method === 'POST' ? 201 : 200, body: { ok: true, entity: ENTITY } };
  });
  ({ client } = makeClient(server));
});

afterEach(async () => {
  client.close();
  await server.close();
});

function only(): Recorded {
  const reqs = server.apiRequests();
  expect(reqs).toHaveLength(1);
  return reqs[0];
}

describe('runs', () => {
  it('when getting a run, then it asks for version v2 and resolves to the run', async () => {
    await expect(client.getRun('r_1')).resolves.toEqual(RUN);
    expect(only()).toMatchObject({ method: 'GET', path: '/v1/actions/runs/r_1', query: { version: 'v2' }, body: undefined });
  });

  it('when patching a run, then only the schema keys that are set are sent, with version v2', async () => {
    const patch = { status: 'SUCCESS', statusLabel: 'done', link: ['https://ci/1'], summary: undefined, extra: 'dropped' } as RunPatch;
    await expect(client.patchRun('r_1', patch)).resolves.toEqual(RUN);
    const req = only();
    expect(req).toMatchObject({ method: 'PATCH', path: '/v1/actions/runs/r_1', query: { version: 'v2' } });
    expect(req.body).toEqual({ status: 'SUCCESS', statusLabel: 'done', link: ['https://ci/1'] });
  });

  it('when adding a run log, then the body is exactly message, terminationStatus and statusLabel as set, with no query', async () => {
    await client.addRunLog('r_1', { message: 'hello', terminationStatus: 'FAILURE', statusLabel: 'boom' });
    await client.addRunLog('r_1', { message: 'plain' });
    const [a, b] = server.apiRequests();
    expect(a).toMatchObject({ method: 'POST', path: '/v1/actions/runs/r_1/logs', query: {} });
    expect(a.body).toEqual({ message: 'hello', terminationStatus: 'FAILURE', statusLabel: 'boom' });
    expect(b.body).toEqual({ message: 'plain' });
  });

  it('when a run id has reserved characters, then the path segment is URL-encoded', async () => {
    await client.getRun('r/1?x');
    expect(only().rawPath).toBe('/v1/actions/runs/r%2F1%3Fx');
  });

  it('when a call is for a run, then it carries the correlation header and the User-Agent names the project and version', async () => {
    await client.addRunLog('r_9', { message: 'm' });
    const req = only();
    expect(req.headers['x-port-runner-run-id']).toBe('r_9');
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(req.headers['user-agent']).toBe(`port-action-runner/${version}`);
    expect(server.tokenRequests()[0].headers['x-port-runner-run-id']).toBeUndefined();
  });

  it('when the answer lacks the run, then it fails with invalid_response', async () => {
    server.setHandler(() => ({ status: 200, body: { ok: true } }));
    await expect(client.getRun('r_1')).rejects.toMatchObject({ code: 'port_api_error', portError: 'invalid_response' });
  });
});

describe('entities', () => {
  it('when creating with no options, then upsert=false is the only query parameter (the spec requires it)', async () => {
    await expect(client.createEntity('service', ENTITY)).resolves.toEqual(ENTITY);
    const req = only();
    expect(req).toMatchObject({ method: 'POST', path: '/v1/blueprints/service/entities', query: { upsert: 'false' }, body: ENTITY });
    expect(Object.keys(req.query)).toEqual(['upsert']);
  });

  it('when upserting tied to a run, then upsert, merge, run_id and create_missing_related_entities are sent as set', async () => {
    await client.createEntity('service', ENTITY, { upsert: true, merge: true, runId: 'r_1', createMissingRelatedEntities: false });
    const req = only();
    expect(req.query).toEqual({ upsert: 'true', merge: 'true', run_id: 'r_1', create_missing_related_entities: 'false' });
    expect(req.headers['x-port-runner-run-id']).toBe('r_1');
  });

  it('when replacing, then PUT goes to the encoded entity path with run_id and the whole body', async () => {
    await client.replaceEntity('service', 'team/a b', ENTITY, { runId: 'r_1' });
    const req = only();
    expect(req).toMatchObject({ method: 'PUT', rawPath: '/v1/blueprints/service/entities/team%2Fa%20b', query: { run_id: 'r_1' }, body: ENTITY });
  });

  it('when updating, then PATCH sends only the keys its schema allows', async () => {
    const patch = { title: 'B', properties: { region: 'us' }, createdAt: 'x', blueprint: 'service' } as Partial<EntityInput>;
    await client.updateEntity('service', 'svc-a', patch, { createMissingRelatedEntities: true });
    const req = only();
    expect(req).toMatchObject({ method: 'PATCH', path: '/v1/blueprints/service/entities/svc-a', query: { create_missing_related_entities: 'true' } });
    expect(req.body).toEqual({ title: 'B', properties: { region: 'us' } });
  });

  it('when deleting, then delete_dependents is always sent and run_id when given', async () => {
    await client.deleteEntity('service', 'svc-a', { runId: 'r_1' });
    await client.deleteEntity('service', 'svc-b', { deleteDependents: true });
    const [a, b] = server.apiRequests();
    expect(a).toMatchObject({ method: 'DELETE', path: '/v1/blueprints/service/entities/svc-a', body: undefined });
    expect(a.query).toEqual({ delete_dependents: 'false', run_id: 'r_1' });
    expect(b.query).toEqual({ delete_dependents: 'true' });
  });
});

describe('bulk', () => {
  const entities = (n: number): EntityInput[] => Array.from({ length: n }, (_, i) => ({ identifier: `e${i}` }));

  function bulkResponder(failIdentifiers: Set<string>) {
    server.setHandler((req) => {
      const sent = (req.body as { entities: EntityInput[] }).entities;
      const ok = sent.flatMap((e, index) => (failIdentifiers.has(e.identifier) ? [] : [{ identifier: e.identifier, index, created: true }]));
      const errors = sent.flatMap((e, index) =>
        failIdentifiers.has(e.identifier) ? [{ identifier: e.identifier, index, statusCode: 422, error: 'invalid', message: 'bad entity' }] : [],
      );
      return { status: errors.length ? 207 : 200, body: { ok: true, entities: ok, errors } };
    });
  }

  it('when given 45 entities, then it sends chunks of 20, 20 and 5 in order and merges the results with global indexes', async () => {
    bulkResponder(new Set());
    const result = await client.bulkCreateEntities('service', entities(45), { upsert: true, runId: 'r_1' });
    const reqs = server.apiRequests();
    expect(reqs.map((r) => (r.body as { entities: unknown[] }).entities.length)).toEqual([20, 20, 5]);
    expect(reqs[2].body).toEqual({ entities: entities(45).slice(40) });
    for (const r of reqs) expect(r).toMatchObject({ method: 'POST', path: '/v1/blueprints/service/entities/bulk', query: { upsert: 'true', run_id: 'r_1' } });
    expect(result.errors).toEqual([]);
    expect(result.entities.map((e) => e.index)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(result.entities[44]).toEqual({ identifier: 'e44', index: 44, created: true });
  });

  it('when Port answers 207, then the failed entities are returned as errors with their global index', async () => {
    bulkResponder(new Set(['e3', 'e21']));
    const result = await client.bulkCreateEntities('service', entities(25));
    expect(result.errors).toEqual([
      { identifier: 'e3', index: 3, statusCode: 422, error: 'invalid', message: 'bad entity' },
      { identifier: 'e21', index: 21, statusCode: 422, error: 'invalid', message: 'bad entity' },
    ]);
    expect(result.entities).toHaveLength(23);
    expect(result.entities.find((e) => e.identifier === 'e22')).toEqual({ identifier: 'e22', index: 22, created: true });
  });

  it('when given no entities, then nothing is sent', async () => {
    await expect(client.bulkCreateEntities('service', [])).resolves.toEqual({ entities: [], errors: [] });
    expect(server.requests).toHaveLength(0);
  });
});
