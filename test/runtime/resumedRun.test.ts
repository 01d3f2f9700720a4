// executeRun for a resumed run: the deadline counts from the first start, and a shutdown pauses a
// resumable run instead of failing it.
import { afterEach, describe, expect, it } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import { testConfig } from '../../src/config.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { openSqliteStepJournal } from '../../src/journal/sqliteStepJournal.js';
import { silentLogger } from '../../src/logger.js';
import { defineHandler, type Handler } from '../../src/registry/defineHandler.js';
import { createRegistry } from '../../src/registry/registry.js';
import { executeRun } from '../../src/runtime/executeRun.js';
import { openRunSteps } from '../../src/runtime/runSteps.js';
import { invocation, realReporting, type Reporting } from './helpers.js';

const kits: Reporting[] = [];
afterEach(() => kits.splice(0).forEach((k) => k.close()));

async function run(handler: Handler, over: { firstStartedAt?: number; signal?: AbortSignal } = {}) {
  const store = openSqliteStore({ path: ':memory:' });
  const kit = realReporting(store);
  kits.push(kit);
  const journal = openSqliteStepJournal(store.database);
  store.accept({ runId: 'r1', action: 'deploy', invocation: invocation('r1'), synchronized: false }, 1);
  const steps = await openRunSteps({ runId: 'r1', journal, resumable: handler.resumable === true, reexecution: false, maxResultBytes: 1000, clock: systemClock, logger: silentLogger() });
  const outcome = await executeRun({
    invocation: invocation('r1'),
    action: 'deploy',
    resolved: createRegistry([handler]).resolve('deploy', null),
    reporter: kit.reporterFactory({ runId: 'r1', action: 'deploy', synchronized: false, ...(steps.replay ? { replay: steps.replay } : {}) }),
    config: testConfig(),
    clock: systemClock,
    logger: silentLogger(),
    steps,
    ...over,
  });
  return { outcome, kit, journal };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

describe('a resumed run', () => {
  it('when most of its deadline was used before the interruption, then it times out on what is left', async () => {
    const handler = defineHandler({ action: 'deploy', resumable: true, timeoutMs: 10_000, run: (ctx) => sleep(5_000, ctx.signal) });
    const started = Date.now();
    const { outcome } = await run(handler, { firstStartedAt: Date.now() - 9_900 });
    expect(outcome).toMatchObject({ status: 'FAILURE', label: 'timed out after 10000 ms' });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('when the shutdown stops a resumable run, then it is paused: no final status, journaled as paused', async () => {
    const stop = new AbortController();
    const handler = defineHandler({
      action: 'deploy',
      resumable: true,
      run: async (ctx) => {
        await ctx.step('long', async () => {
          setTimeout(() => stop.abort(new DOMException('service shutting down', 'AbortError')), 10);
          await sleep(5_000, ctx.signal);
        });
      },
    });
    const { outcome, kit, journal } = await run(handler, { signal: stop.signal });
    expect(outcome.paused).toBe(true);
    await kit.settle();
    expect(kit.finals('r1')).toEqual([]);
    expect(await journal.resumeState('r1')).toMatchObject({ paused: true });
    expect((await journal.finishedSteps('r1')).size).toBe(0);
  });

  it('when the shutdown stops a run that is not resumable, then it ends FAILURE as before', async () => {
    const stop = new AbortController();
    const handler = defineHandler({
      action: 'deploy',
      run: async (ctx) => {
        setTimeout(() => stop.abort(new DOMException('service shutting down', 'AbortError')), 10);
        await sleep(5_000, ctx.signal);
      },
    });
    const { outcome } = await run(handler, { signal: stop.signal });
    expect(outcome).toMatchObject({ status: 'FAILURE', label: 'service shutting down' });
    expect(outcome.paused).toBeUndefined();
  });
});
