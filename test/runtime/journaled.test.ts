// The runtime on a real journal, with the real reporter and outbox: dedupe, the journal states a run walks
// through, and recovery reading what a previous process left.
import { describe, expect, it, jest } from '@jest/globals';
import { testConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { createRegistry } from '../../src/registry/registry.js';
import { INTERRUPTED_LABEL } from '../../src/runtime/recovery.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { invocation, realReporting, until } from './helpers.js';
import { TEST_STORES } from './stores.js';

const clock = { now: () => Date.now() };

describe.each(TEST_STORES)('runtime on the $name journal', ({ open }) => {
  it('when runs are dispatched, duplicated, interrupted and queued, then the journal and recovery agree', async () => {
    const store = open();
    const run = jest.fn(async () => undefined);
    // One process: its own outbox on the shared journal, owed reports resumed first as at startup.
    const make = () => {
      const reporting = realReporting(store);
      void reporting.outbox.resumeAll();
      const runtime = createRuntime({
        config: testConfig({ MAX_CONCURRENT_RUNS: '2' }),
        store: reporting.journal,
        registry: createRegistry([defineHandler({ action: 'deploy', run })]),
        reporterFactory: reporting.reporterFactory,
        lookupAction: async () => null,
        clock,
        logger: silentLogger(),
      });
      return { runtime, reporting };
    };

    const first = make();
    await first.runtime.start();
    await expect(first.runtime.dispatcher.dispatch(invocation('r_1'), { requestId: 'a' })).resolves.toMatchObject({ kind: 'accepted' });
    await until(() => store.get('r_1')?.state === 'finished');
    await expect(first.runtime.dispatcher.dispatch(invocation('r_1'), { requestId: 'b' })).resolves.toMatchObject({ kind: 'duplicate' });
    await first.reporting.settle();
    first.reporting.outbox.stop(); // the first process is gone

    // What a crashed process leaves: one run mid-way (with a journaled log line), one never started.
    store.accept({ runId: 'r_mid', action: 'deploy', invocation: invocation('r_mid'), synchronized: false }, clock.now());
    store.markStarted('r_mid', clock.now());
    store.appendOp('r_mid', { kind: 'log', message: 'step 2 of 3' }, clock.now());
    store.accept({ runId: 'r_wait', action: 'deploy', invocation: invocation('r_wait'), synchronized: false }, clock.now());

    const second = make();
    await expect(second.runtime.start()).resolves.toEqual({ requeued: 1, rerun: 0, interrupted: 1, resumed: 0 });
    await until(() => store.get('r_wait')?.state === 'finished');
    await second.reporting.settle();
    expect(second.reporting.logs('r_mid')).toEqual(['step 2 of 3', 'last progress before the restart: step 2 of 3']);
    expect(second.reporting.finals('r_mid')).toEqual([{ status: 'FAILURE', label: INTERRUPTED_LABEL }]);
    expect(second.reporting.finals('r_wait')).toEqual([{ status: 'SUCCESS' }]);
    expect([...first.reporting.finals('r_1'), ...second.reporting.finals('r_1')]).toEqual([{ status: 'SUCCESS' }]);
    expect(store.get('r_mid')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: INTERRUPTED_LABEL });
    expect(store.get('r_wait')).toMatchObject({ state: 'finished', finalStatus: 'SUCCESS' });
    expect(run).toHaveBeenCalledTimes(2); // r_1 and r_wait; never r_mid, never r_1 twice
    second.reporting.close();
  });
});
