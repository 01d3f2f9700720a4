// Every request shape the client can send must pass Port's OpenAPI validation (the simulator checks each
// one against the vendored operations), and a request that breaks the spec must be caught.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../../src/logger.js';
import { PortClient } from '../../src/port/client.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';

let simulator: RunningSimulator;
let client: PortClient;
beforeAll(async () => {
  simulator = await startSimulator({ port: 0, clientId: 'contract', clientSecret: 'contract-secret', checkRelations: false });
  client = new PortClient({ baseUrl: simulator.url, credentials: { clientId: 'contract', clientSecret: 'contract-secret' }, logger: silentLogger(), budgetMs: 3000 });
});
afterAll(async () => {
  client.close();
  await simulator.close();
});

describe('PortClient against the OpenAPI-validating simulator', () => {
  it('when every method is called with every option, then Port accepts each request and no violation is recorded', async () => {
    const sim = simulator.sim;
    const { id: runId } = sim.createRun({ action: 'create_microservice', blueprint: 'microservice' });
    const entity = { identifier: 'svc-1', title: 'Service 1', icon: 'Microservice', team: [], properties: { region: 'eu' }, relations: {} };

    expect((await client.getRun(runId)).action.identifier).toBe('create_microservice');
    await client.addRunLog(runId, { message: 'hello' });
    await client.patchRun(runId, { statusLabel: 'working', link: ['https://ci/1', 'https://ci/2'], summary: 's', externalRunId: 'ext-1' });
    await client.createEntity('microservice', entity, { upsert: true, merge: false, runId, createMissingRelatedEntities: true });
    await client.createEntity('microservice', { identifier: 'svc-2' }, { upsert: true, merge: true, runId });
    await client.createEntity('microservice', { identifier: 'svc-3' }, {});
    await client.replaceEntity('microservice', 'svc-1', entity, { runId, createMissingRelatedEntities: false });
    await client.updateEntity('microservice', 'svc-1', { title: 'renamed', properties: { region: 'us' } }, { runId });
    const bulk = await client.bulkCreateEntities('microservice', Array.from({ length: 25 }, (_, i) => ({ identifier: `bulk-${i}` })), { upsert: true, runId });
    expect(bulk.entities).toHaveLength(25);
    await client.deleteEntity('microservice', 'svc-3', { runId, deleteDependents: true });
    await client.addRunLog(runId, { message: 'bye', terminationStatus: 'SUCCESS', statusLabel: 'done' });

    expect(sim.violations()).toEqual([]);
    expect(sim.run(runId)).toMatchObject({ status: 'SUCCESS', statusLabel: 'done', summary: 's', externalRunId: 'ext-1' });
    expect(sim.tokenRequests).toBe(1);
  });

  it('when a PATCH carries a key Port does not know, then the simulator answers 422 and records the violation', async () => {
    const { id: runId } = simulator.sim.createRun({ action: 'x' });
    const token = (await (await fetch(`${simulator.url}/v1/auth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'contract', clientSecret: 'contract-secret' }),
    })).json()) as { accessToken: string };
    const before = simulator.sim.violations().length;
    const res = await fetch(`${simulator.url}/v1/actions/runs/${runId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.accessToken}` },
      body: JSON.stringify({ logMessage: 'not a Port key' }),
    });
    expect(res.status).toBe(422);
    const violations = simulator.sim.violations().slice(before);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ kind: 'schema', method: 'PATCH', route: '/v1/actions/runs/{run_id}' });
  });
});
