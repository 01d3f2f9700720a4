import { afterEach, describe, expect, it } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { silentLogger } from '../../src/logger.js';
import { PortClient } from '../../src/port/client.js';
import { createOutbox } from '../../src/reporter/outbox.js';
import { createRunReporter } from '../../src/reporter/runReporter.js';
import { startSimulator } from '../../src/simulator/index.js';

const CREDS = { clientId: 'refuse-client', clientSecret: 'refuse-client-secret' };
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup() {
  const simulator = await startSimulator(CREDS);
  const logger = silentLogger();
  const client = new PortClient({ baseUrl: simulator.url, credentials: CREDS, logger, budgetMs: 2_000, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  const store = openSqliteStore({ path: ':memory:' });
  const outbox = createOutbox({ store: sqliteAsyncStore({ store }), port: client, clock: systemClock, logger, retry: { baseDelayMs: 2, maxDelayMs: 10 } });
  cleanup.push(() => simulator.close(), () => client.close(), () => store.close(), () => outbox.stop());
  const run = simulator.sim.createRun({ action: 'deploy' });
  store.accept({ runId: run.id, action: 'deploy', invocation: { runId: run.id, action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} }, synchronized: false }, Date.now());
  const reporter = createRunReporter({ runId: run.id, action: 'deploy', synchronized: false, outbox, logger, clock: systemClock });
  return { sim: simulator.sim, reporter, runId: run.id };
}

describe('final statuses refused by the simulated Port', () => {
  it('when Port answers its schema 422 to the final status, then the run still ends on Port with the same status and a short label', async () => {
    const t = await setup();
    t.sim.refuseFinals('schema');
    await t.reporter.success(`shipped ${'y'.repeat(200)}`);
    await t.reporter.drained();
    const run = t.sim.run(t.runId)!;
    expect([run.status, run.statusLabel]).toEqual(['SUCCESS', `shipped ${'y'.repeat(69)}...`]);
    expect(t.sim.requests({ route: '/v1/actions/runs/{run_id}' }).map((r) => [r.method, r.status])).toEqual([
      ['PATCH', 422],
      ['GET', 200],
      ['PATCH', 200],
    ]);
  });

  it('when a proxy answers 409 to the final status, then the same final status is sent again and the run ends with it', async () => {
    const t = await setup();
    t.sim.refuseFinals('proxy-conflict');
    await t.reporter.failure('broken');
    await t.reporter.drained();
    const run = t.sim.run(t.runId)!;
    expect([run.status, run.statusLabel]).toEqual(['FAILURE', 'broken']);
    expect(t.sim.requests({ route: '/v1/actions/runs/{run_id}' }).map((r) => [r.method, r.status])).toEqual([
      ['PATCH', 409],
      ['GET', 200],
      ['PATCH', 200],
    ]);
  });
});
