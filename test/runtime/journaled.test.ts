// The runtime against the real SQLite journal (in memory): dedupe, the journal states a run walks through,
// and recovery reading what a previous process left.
import { describe, expect, it, jest } from '@jest/globals';
import { testConfig } from '../../src/config.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { silentLogger } from '../../src/logger.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { createRegistry } from '../../src/registry/registry.js';
import { INTERRUPTED_LABEL } from '../../src/runtime/recovery.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { invocation, reporterFactory, until } from './fakes.js';

const clock = { now: () => Date.now() };

describe('runtime on the SQLite journal', () => {
  it('when runs are dispatched, duplicated, interrupted and queued, then the journal and recovery agree', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const run = jest.fn(async () => undefined);
    const make = () => {
      const reporters = reporterFactory(store);
      const runtime = createRuntime({
        config: testConfig({ MAX_CONCURRENT_RUNS: '2' }),
        store,
        registry: createRegistry([defineHandler({ action: 'deploy', run })]),
        reporterFactory: reporters.factory,
        lookupAction: async () => null,
        clock,
        logger: silentLogger(),
      });
      return { runtime, reporters };
    };

    const first = make();
    await first.runtime.start();
    await expect(first.runtime.dispatcher.dispatch(invocation('r_1'), { requestId: 'a' })).resolves.toMatchObject({ kind: 'accepted' });
    await until(() => store.get('r_1')?.state === 'finished');
    await expect(first.runtime.dispatcher.dispatch(invocation('r_1'), { requestId: 'b' })).resolves.toMatchObject({ kind: 'duplicate' });

    // What a crashed process leaves: one run mid-way (with a journaled log line), one never started.
    store.accept({ runId: 'r_mid', action: 'deploy', invocation: invocation('r_mid'), synchronized: false }, clock.now());
    store.markStarted('r_mid', clock.now());
    store.appendOp('r_mid', { kind: 'log', message: 'step 2 of 3' }, clock.now());
    store.accept({ runId: 'r_wait', action: 'deploy', invocation: invocation('r_wait'), synchronized: false }, clock.now());

    const second = make();
    await expect(second.runtime.start()).resolves.toEqual({ requeued: 1, rerun: 0, interrupted: 1 });
    await until(() => store.get('r_wait')?.state === 'finished');
    expect(second.reporters.made.get('r_mid')!.logs).toEqual(['last progress before the restart: step 2 of 3']);
    expect(store.get('r_mid')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: INTERRUPTED_LABEL });
    expect(store.get('r_wait')).toMatchObject({ state: 'finished', finalStatus: 'SUCCESS' });
    expect(run).toHaveBeenCalledTimes(2); // r_1 and r_wait; never r_mid, never r_1 twice
    store.close();
  });
});
