import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { testConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { defineHandler, type Handler } from '../../src/registry/defineHandler.js';
import { createRegistry } from '../../src/registry/registry.js';
import { INTERRUPTED_LABEL, recover } from '../../src/runtime/recovery.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import type { RunStore } from '../../src/journal/store.js';
import { invocation, realReporting, until, type Reporting } from './helpers.js';
import { TEST_STORES } from './stores.js';

const clock = { now: () => Date.now() };
const logger = silentLogger();

describe.each(TEST_STORES)('recover on the $name journal', ({ open }) => {
  const kits: Reporting[] = [];
  afterEach(() => kits.splice(0).forEach((k) => k.close()));

  /** A journal as the previous process left it. */
  function journal(entries: Array<{ runId: string; action: string; state: 'queued' | 'running' | 'finished'; synchronized?: boolean; logs?: string[] }>) {
    const store = open();
    entries.forEach((e, i) => {
      store.accept({ runId: e.runId, action: e.action, invocation: invocation(e.runId, { action: e.action }), synchronized: e.synchronized ?? false }, 1000 + i);
      if (e.state !== 'queued') store.markStarted(e.runId, 2000 + i);
      for (const message of e.logs ?? []) store.appendOp(e.runId, { kind: 'log', message }, 2500);
      if (e.state === 'finished') store.markFinished(e.runId, 'SUCCESS', null, 3000);
    });
    return store;
  }

  /** The next process on that journal: as at startup, reports owed from before go out first. */
  function runtimeFor(store: RunStore, handlers: Handler[]) {
    const reporting = realReporting(store);
    kits.push(reporting);
    void reporting.outbox.resumeAll();
    const runtime = createRuntime({
      config: testConfig({ MAX_CONCURRENT_RUNS: '1' }),
      store: reporting.journal,
      registry: createRegistry(handlers),
      reporterFactory: reporting.reporterFactory,
      lookupAction: async () => null,
      clock,
      logger,
    });
    return { runtime, reporting };
  }

  describe('recover', () => {
    it('when runs were accepted but never started, then they run after the restart in accept order', async () => {
      const order: string[] = [];
      const store = journal([
        { runId: 'r_a', action: 'deploy', state: 'queued' },
        { runId: 'r_b', action: 'deploy', state: 'queued' },
        { runId: 'r_c', action: 'deploy', state: 'queued' },
      ]);
      const { runtime } = runtimeFor(store, [defineHandler({ action: 'deploy', run: async (ctx) => void order.push(ctx.runId) })]);
      await expect(runtime.start()).resolves.toEqual({ requeued: 3, rerun: 0, interrupted: 0, resumed: 0 });
      await until(() => store.countRuns('finished') === 3);
      expect(order).toEqual(['r_a', 'r_b', 'r_c']);
    });

    it('when a run was executing as the process died, then it ends FAILURE "interrupted" after a log line with its last progress, and is not rerun', async () => {
      const run = jest.fn(async () => undefined);
      const store = journal([{ runId: 'r_1', action: 'deploy', state: 'running', logs: ['cloning repo', 'applying terraform'] }]);
      const { runtime, reporting } = runtimeFor(store, [defineHandler({ action: 'deploy', run })]);
      await expect(runtime.start()).resolves.toEqual({ requeued: 0, rerun: 0, interrupted: 1, resumed: 0 });
      await reporting.settle();
      expect(reporting.logs('r_1')).toEqual(['cloning repo', 'applying terraform', 'last progress before the restart: applying terraform']);
      expect(reporting.finals('r_1')).toEqual([{ status: 'FAILURE', label: INTERRUPTED_LABEL }]);
      expect(INTERRUPTED_LABEL).toBe('interrupted: the service restarted while this run was executing');
      expect(store.get('r_1')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: INTERRUPTED_LABEL });
      expect(run).not.toHaveBeenCalled();
    });

    it('when an interrupted run never logged anything, then it is finalized without a progress line', async () => {
      const store = journal([{ runId: 'r_1', action: 'deploy', state: 'running' }]);
      const { runtime, reporting } = runtimeFor(store, [defineHandler({ action: 'deploy', run: async () => undefined })]);
      await runtime.start();
      await reporting.settle();
      expect(reporting.logs('r_1')).toEqual([]);
      expect(reporting.finals('r_1')).toEqual([{ status: 'FAILURE', label: INTERRUPTED_LABEL }]);
    });

    it('when the interrupted run has retryOnRestart, then it runs again and ends SUCCESS', async () => {
      const run = jest.fn(async () => undefined);
      const store = journal([{ runId: 'r_1', action: 'deploy', state: 'running', logs: ['half way'] }]);
      const { runtime, reporting } = runtimeFor(store, [defineHandler({ action: 'deploy', retryOnRestart: true, run })]);
      await expect(runtime.start()).resolves.toEqual({ requeued: 0, rerun: 1, interrupted: 0, resumed: 0 });
      await until(() => store.get('r_1')?.state === 'finished');
      expect(run).toHaveBeenCalledTimes(1);
      await reporting.settle();
      expect(reporting.finals('r_1')).toEqual([{ status: 'SUCCESS' }]);
    });

    it('when an interrupted run was synchronized, then it is finalized FAILURE through the API (reporter not in sync mode)', async () => {
      const store = journal([{ runId: 'r_1', action: 'lookup', state: 'running', synchronized: true }]);
      const { runtime, reporting } = runtimeFor(store, [defineHandler({ action: 'lookup', synchronized: true, retryOnRestart: true, run: async () => 1 })]);
      await expect(runtime.start()).resolves.toMatchObject({ interrupted: 1, rerun: 0 });
      // Port no longer waits on an answer for it: only a final status sent through the API ends it.
      await reporting.settle();
      expect(reporting.finals('r_1')).toEqual([{ status: 'FAILURE', label: INTERRUPTED_LABEL }]);
    });

    it('when finished runs are in the journal, then recovery leaves them alone', async () => {
      const store = journal([{ runId: 'r_done', action: 'deploy', state: 'finished' }]);
      const reporting = realReporting(store);
      kits.push(reporting);
      const resume = jest.fn();
      const counts = await recover({
        store: reporting.journal,
        registry: createRegistry([]),
        dispatcher: { resume },
        reporterFactory: reporting.reporterFactory,
        logger,
        clock,
      });
      expect(counts).toEqual({ requeued: 0, rerun: 0, interrupted: 0, resumed: 0 });
      expect(resume).not.toHaveBeenCalled();
      expect(reporting.made.size).toBe(0);
      expect(reporting.port.calls).toEqual([]);
    });

    it('when interrupted runs and queued runs are both there, then the rerun goes before the queued ones', async () => {
      const order: string[] = [];
      const store = journal([
        { runId: 'r_queued', action: 'deploy', state: 'queued' },
        { runId: 'r_running', action: 'deploy', state: 'running' },
      ]);
      const { runtime } = runtimeFor(store, [defineHandler({ action: 'deploy', retryOnRestart: true, run: async (ctx) => void order.push(ctx.runId) })]);
      await runtime.start();
      await until(() => store.countRuns('finished') === 2);
      expect(order).toEqual(['r_running', 'r_queued']);
    });
  });
});
