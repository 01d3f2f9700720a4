import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { getEventListeners } from 'node:events';
import { testConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { executeRun } from '../../src/runtime/executeRun.js';
import { invocation, realReporting, type Reporting } from './helpers.js';
import { stack, type Stack } from './stack.js';
import { TEST_STORES } from './stores.js';

// The shutdown signal lives as long as the service. Whatever a run attaches to it must go when the run
// ends: on Node 20, AbortSignal.any([shared, …]) leaves a reference in the shared signal that is never
// removed (one per call, for ever), so combining it per run grows memory with every run.
const clock = { now: () => Date.now() };

/** How many things `signal` still holds for others: abort listeners, and signals composed from it. */
function retained(signal: AbortSignal): { listeners: number; dependants: number } {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  const dependants = key ? ((signal as unknown as Record<symbol, Set<unknown> | undefined>)[key]?.size ?? 0) : 0;
  return { listeners: getEventListeners(signal, 'abort').length, dependants };
}

describe.each(TEST_STORES)('the long-lived shutdown signal on the $name journal', ({ open }) => {
  const kits: Reporting[] = [];
  const stacks: Stack[] = [];
  afterEach(() => {
    kits.splice(0).forEach((k) => k.close());
    stacks.splice(0).forEach((s) => s.close());
    jest.restoreAllMocks();
  });

  it('when 50 runs have ended on one shutdown signal, then the signal holds nothing of them', async () => {
    const kit = realReporting(open());
    kits.push(kit);
    const shutdown = new AbortController();
    const handler = defineHandler({ action: 'deploy', run: async () => undefined });
    for (let i = 0; i < 50; i++) {
      const runId = `r_${i}`;
      kit.store.accept({ runId, action: 'deploy', invocation: invocation(runId), synchronized: false }, clock.now());
      const outcome = await executeRun({
        invocation: invocation(runId),
        action: 'deploy',
        resolved: { handler, action: 'deploy' },
        reporter: kit.reporterFactory({ runId, action: 'deploy', synchronized: false }),
        config: testConfig({ RUN_TIMEOUT_MS: '60000' }),
        clock,
        logger: silentLogger(),
        signal: shutdown.signal,
      });
      expect(outcome.status).toBe('SUCCESS');
    }
    expect(retained(shutdown.signal)).toEqual({ listeners: 0, dependants: 0 });
  });

  it('when 20 synchronized runs have been answered, then no signal the dispatcher composed from holds anything of them', async () => {
    const sources = new Set<AbortSignal>();
    const any = AbortSignal.any.bind(AbortSignal);
    jest.spyOn(AbortSignal, 'any').mockImplementation((signals) => {
      for (const s of signals) sources.add(s);
      return any(signals);
    });
    const s = stack({ handlers: [defineHandler({ action: 'deploy', synchronized: true, run: async () => ({ ok: 1 }) })] });
    stacks.push(s);
    for (let i = 0; i < 20; i++) {
      const res = await s.deliver(`r_${i}`, 'deploy');
      expect(res.status).toBe(200);
    }
    // Each composed source is the run's own (one dependant at most), never a signal shared by every run.
    expect([...sources].map((signal) => retained(signal).dependants).filter((n) => n > 1)).toEqual([]);
  });
});
