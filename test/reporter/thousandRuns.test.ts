// Acceptance of the foundation: 1,000 runs through the real reporter, outbox and client against the
// simulator cost one token request and break Port's OpenAPI spec zero times.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { silentLogger } from '../../src/logger.js';
import { PortClient } from '../../src/port/client.js';
import { createOutbox } from '../../src/reporter/outbox.js';
import { createRunReporter } from '../../src/reporter/runReporter.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';

let simulator: RunningSimulator;
beforeAll(async () => {
  simulator = await startSimulator({ port: 0, clientId: 'k', clientSecret: 'k-secret' });
});
afterAll(async () => {
  await simulator.close();
});

describe('when 1,000 runs report through the reporter against the simulator', () => {
  it('then every run ends SUCCESS with its entity and 3 logs, using 1 token request and 0 OpenAPI violations', async () => {
    const sim = simulator.sim;
    const logger = silentLogger();
    const store = openSqliteStore({ path: ':memory:' });
    const port = new PortClient({ baseUrl: simulator.url, credentials: { clientId: 'k', clientSecret: 'k-secret' }, logger });
    const outbox = createOutbox({ store: sqliteAsyncStore({ store }), port, clock: systemClock, logger });
    const runIds = Array.from({ length: 1000 }, (_, i) => sim.createRun({ action: 'create_microservice', runId: `r_bulk${String(i).padStart(11, '0')}` }).id);

    let next = 0;
    const worker = async () => {
      while (next < runIds.length) {
        const runId = runIds[next++];
        store.accept({ runId, action: 'create_microservice', synchronized: false, invocation: { runId, action: 'create_microservice', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} } }, Date.now());
        const reporter = createRunReporter({ runId, action: 'create_microservice', synchronized: false, outbox, logger, clock: systemClock });
        await reporter.upsertEntity('microservice', { identifier: `svc-${runId}`, properties: {} });
        void reporter.log('one');
        void reporter.log('two');
        void reporter.log('three');
        await reporter.success('done');
        await reporter.drained();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    outbox.stop();
    store.close();
    port.close();

    expect(sim.tokenRequests).toBe(1);
    expect(sim.violations()).toEqual([]);
    const runs = runIds.map((id) => sim.run(id)!);
    expect(runs.filter((r) => r.status !== 'SUCCESS')).toEqual([]);
    expect(runs.every((r) => r.logs.map((l) => l.message).join(',') === 'one,two,three' && r.entities.length === 1)).toBe(true);
  }, 120_000);
});
