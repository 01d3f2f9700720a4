import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { testConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createRegistry } from '../../src/registry/registry.js';
import { defineHandler, type Handler } from '../../src/registry/defineHandler.js';
import { createDispatcher, type LookupAction } from '../../src/runtime/dispatcher.js';
import { createRunQueue } from '../../src/runtime/runQueue.js';
import { gate, invocation, realReporting, tick, until, type Reporting } from './helpers.js';
import { TEST_STORES } from './stores.js';

const clock = { now: () => Date.now() };
const meta = { requestId: 'req-1' };

describe.each(TEST_STORES)('createDispatcher on the $name journal', ({ open }) => {
  const kits: Reporting[] = [];
  afterEach(() => kits.splice(0).forEach((k) => k.close()));

  function setup(opts: { handlers: Handler[]; maxConcurrent?: number; maxQueued?: number; lookupAction?: LookupAction; portLatencyMs?: number }) {
    const reporting = realReporting(open(), { portLatencyMs: opts.portLatencyMs });
    kits.push(reporting);
    const { store } = reporting;
    const queue = createRunQueue({ maxConcurrent: opts.maxConcurrent ?? 2, maxQueued: opts.maxQueued ?? 10, paused: true });
    const lookupAction = jest.fn(opts.lookupAction ?? (async () => null));
    const dispatcher = createDispatcher({
      store: reporting.journal,
      registry: createRegistry(opts.handlers),
      queue,
      reporterFactory: reporting.reporterFactory,
      lookupAction,
      config: testConfig({ MAX_CONCURRENT_RUNS: String(opts.maxConcurrent ?? 2), MAX_QUEUED_RUNS: String(opts.maxQueued ?? 10) }),
      clock,
      logger: silentLogger(),
    });
    dispatcher.start();
    const finished = (runId: string) => store.get(runId)?.state === 'finished';
    return { store, queue, reporting, dispatcher, lookupAction, finished };
  }

  const ok = (action = 'deploy', run = jest.fn(async () => undefined)) => ({ handler: defineHandler({ action, run }), run });

  describe('createDispatcher (async runs)', () => {
    it('when a run is dispatched, then it is journaled before the answer, accepted, and ends SUCCESS', async () => {
      const { handler, run } = ok();
      const t = setup({ handlers: [handler] });
      const result = await t.dispatcher.dispatch(invocation('r_1'), meta);
      expect(result).toEqual({ kind: 'accepted', runId: 'r_1', action: 'deploy' });
      expect(t.store.get('r_1')).toMatchObject({ action: 'deploy', synchronized: false });
      await until(() => t.finished('r_1'));
      expect(run).toHaveBeenCalledTimes(1);
      expect(t.store.get('r_1')).toMatchObject({ finalStatus: 'SUCCESS' });
      await t.reporting.settle();
      expect(t.reporting.finals('r_1')).toEqual([{ status: 'SUCCESS' }]);
    });

    it('when the same run id is delivered again, then it is a duplicate and runs once', async () => {
      const { handler, run } = ok();
      const t = setup({ handlers: [handler] });
      await t.dispatcher.dispatch(invocation('r_1'), meta);
      await until(() => t.finished('r_1'));
      await expect(t.dispatcher.dispatch(invocation('r_1'), meta)).resolves.toEqual({ kind: 'duplicate', runId: 'r_1' });
      await tick(5);
      expect(run).toHaveBeenCalledTimes(1);
    });

    it('when two deliveries of one run arrive concurrently, then one is accepted, one is a duplicate, and it runs once', async () => {
      const { handler, run } = ok();
      const t = setup({ handlers: [handler] });
      const results = await Promise.all([t.dispatcher.dispatch(invocation('r_1'), meta), t.dispatcher.dispatch(invocation('r_1'), meta)]);
      expect(results.map((r) => r.kind).sort()).toEqual(['accepted', 'duplicate']);
      await until(() => t.finished('r_1'));
      expect(run).toHaveBeenCalledTimes(1);
    });

    it('when two deliveries of one run both need the action looked up, then still one is accepted and one is a duplicate', async () => {
      const { handler, run } = ok();
      const t = setup({ handlers: [handler], lookupAction: async () => (await tick(5), { action: 'deploy', blueprint: null }) });
      const inv = invocation('r_1', { action: null });
      const results = await Promise.all([t.dispatcher.dispatch(inv, meta), t.dispatcher.dispatch(inv, meta)]);
      expect(results.map((r) => r.kind).sort()).toEqual(['accepted', 'duplicate']);
      await until(() => t.finished('r_1'));
      expect(run).toHaveBeenCalledTimes(1);
    });

    it("when no handler matches the action, then the run is accepted and ends FAILURE \"no handler for action '…'\"", async () => {
      const t = setup({ handlers: [ok().handler] });
      await expect(t.dispatcher.dispatch(invocation('r_1', { action: 'frobnicate' }), meta)).resolves.toMatchObject({ kind: 'accepted' });
      await until(() => t.finished('r_1'));
      expect(t.store.get('r_1')).toMatchObject({ finalStatus: 'FAILURE', finalLabel: "no handler for action 'frobnicate'" });
      await t.reporting.settle();
      expect(t.reporting.finals('r_1')).toEqual([{ status: 'FAILURE', label: "no handler for action 'frobnicate'" }]);
    });

    it('when the action carries the blueprint prefix, then the unprefixed handler runs', async () => {
      const { handler, run } = ok();
      const t = setup({ handlers: [handler] });
      await t.dispatcher.dispatch(invocation('r_1', { action: 'service_deploy', blueprint: 'service' }), meta);
      await until(() => t.finished('r_1'));
      expect(run).toHaveBeenCalledTimes(1);
      expect(t.store.get('r_1')).toMatchObject({ action: 'service_deploy', finalStatus: 'SUCCESS' });
    });

    it('when more runs arrive than slots, then never more than MAX_CONCURRENT_RUNS execute at once and all finish', async () => {
      let running = 0;
      let max = 0;
      const handler = defineHandler({
        action: 'deploy',
        async run() {
          running += 1;
          max = Math.max(max, running);
          await tick(5);
          running -= 1;
        },
      });
      const t = setup({ handlers: [handler], maxConcurrent: 2, maxQueued: 10 });
      for (let i = 0; i < 8; i += 1) await t.dispatcher.dispatch(invocation(`r_${i}`), meta);
      expect(t.dispatcher.inFlight).toBe(2);
      expect(t.dispatcher.queued).toBe(6);
      await until(() => t.store.countRuns('finished') === 8);
      expect(max).toBe(2);
    });

    it('when the queue is full and a run already journaled is delivered again, then it is a duplicate, not queue_full', async () => {
      const hold = gate();
      const handler = defineHandler({ action: 'deploy', run: () => hold.promise });
      const t = setup({ handlers: [handler], maxConcurrent: 1, maxQueued: 1 });
      await t.dispatcher.dispatch(invocation('r_1'), meta);
      await t.dispatcher.dispatch(invocation('r_2'), meta);
      await expect(t.dispatcher.dispatch(invocation('r_2'), meta)).resolves.toEqual({ kind: 'duplicate', runId: 'r_2' });
      await expect(t.dispatcher.dispatch(invocation('r_1'), meta)).resolves.toEqual({ kind: 'duplicate', runId: 'r_1' });
      hold.open();
      await until(() => t.store.countRuns('finished') === 2);
    });

    it('when the queue is full, then dispatch rejects with queue_full and nothing is journaled', async () => {
      const hold = gate();
      const handler = defineHandler({ action: 'deploy', run: () => hold.promise });
      const t = setup({ handlers: [handler], maxConcurrent: 1, maxQueued: 1 });
      await t.dispatcher.dispatch(invocation('r_1'), meta);
      await t.dispatcher.dispatch(invocation('r_2'), meta);
      await expect(t.dispatcher.dispatch(invocation('r_3'), meta)).rejects.toMatchObject({ code: 'queue_full' });
      expect(t.store.get('r_3')).toBeUndefined();
      hold.open();
    });
  });

  describe('createDispatcher (action lookup)', () => {
    it('when the delivery has no action, then Port is asked and the looked-up action runs', async () => {
      const { handler, run } = ok();
      const t = setup({ handlers: [handler], lookupAction: async () => ({ action: 'svc_deploy', blueprint: 'svc' }) });
      await expect(t.dispatcher.dispatch(invocation('r_1', { action: null }), meta)).resolves.toMatchObject({ kind: 'accepted' });
      await until(() => t.finished('r_1'));
      expect(t.lookupAction).toHaveBeenCalledWith('r_1');
      expect(run).toHaveBeenCalledTimes(1);
      expect(t.store.get('r_1')!.invocation).toMatchObject({ action: 'svc_deploy', blueprint: 'svc' });
    });

    it('when the delivery carries the action, then Port is not asked', async () => {
      const t = setup({ handlers: [ok().handler] });
      await t.dispatcher.dispatch(invocation('r_1'), meta);
      expect(t.lookupAction).not.toHaveBeenCalled();
    });

    it('when Port cannot be reached for the lookup, then dispatch rejects with port_unavailable and nothing is journaled', async () => {
      const t = setup({
        handlers: [ok().handler],
        lookupAction: async () => {
          throw new Error('ECONNREFUSED');
        },
      });
      await expect(t.dispatcher.dispatch(invocation('r_1', { action: null }), meta)).rejects.toMatchObject({ code: 'port_unavailable' });
      expect(t.store.get('r_1')).toBeUndefined();
    });

    it('when Port does not know the run, then dispatch rejects with unknown_run and nothing is journaled', async () => {
      const t = setup({ handlers: [ok().handler], lookupAction: async () => null });
      await expect(t.dispatcher.dispatch(invocation('r_1', { action: null }), meta)).rejects.toMatchObject({ code: 'unknown_run' });
      expect(t.store.get('r_1')).toBeUndefined();
    });
  });

  describe('createDispatcher (synchronized runs)', () => {
    it('when a synchronized handler returns, then dispatch answers ok with its result after the reports drained', async () => {
      const handler = defineHandler({
        action: 'lookup',
        synchronized: true,
        async run(ctx) {
          await ctx.reporter.log('looking');
          return { answer: 42 };
        },
      });
      // Port answers slowly: the answer must still wait until the log line is in.
      const t = setup({ handlers: [handler], portLatencyMs: 30 });
      const result = await t.dispatcher.dispatch(invocation('r_1', { action: 'lookup' }), meta);
      expect(result).toEqual({ kind: 'sync', runId: 'r_1', ok: true, result: { answer: 42 } });
      expect(t.reporting.logs('r_1')).toEqual(['looking']);
      expect(t.reporting.outbox.pending('r_1')).toBe(0);
      expect(t.store.get('r_1')).toMatchObject({ synchronized: true, state: 'finished', finalStatus: 'SUCCESS' });
      // Port takes a synchronized run's status from the answer: no final status is sent.
      await t.reporting.settle();
      expect(t.reporting.finals('r_1')).toEqual([]);
    });

    it('when a synchronized handler throws, then dispatch answers not ok with the label', async () => {
      const handler = defineHandler({
        action: 'lookup',
        synchronized: true,
        async run() {
          throw new Error('no such cluster');
        },
      });
      const t = setup({ handlers: [handler] });
      await expect(t.dispatcher.dispatch(invocation('r_1', { action: 'lookup' }), meta)).resolves.toEqual({
        kind: 'sync',
        runId: 'r_1',
        ok: false,
        label: 'no such cluster',
      });
    });

    it('when no slot is free for a synchronized run, then dispatch rejects with queue_full and nothing is journaled', async () => {
      const hold = gate();
      const slow = defineHandler({ action: 'deploy', run: () => hold.promise });
      const sync = defineHandler({ action: 'lookup', synchronized: true, run: async () => 1 });
      const t = setup({ handlers: [slow, sync], maxConcurrent: 1 });
      await t.dispatcher.dispatch(invocation('r_1'), meta);
      await expect(t.dispatcher.dispatch(invocation('r_2', { action: 'lookup' }), meta)).rejects.toMatchObject({ code: 'queue_full' });
      expect(t.store.get('r_2')).toBeUndefined();
      hold.open();
    });
  });

  describe('createDispatcher.shutdown', () => {
    it('when shutting down, then new deliveries get shutting_down, a finishing run completes, a stuck run is aborted and queued runs stay queued', async () => {
      const fast = gate();
      let stuckSignal: AbortSignal | undefined;
      const queuedRun = jest.fn(async () => undefined);
      const t = setup({
        handlers: [
          defineHandler({ action: 'fast', run: async () => fast.promise }),
          defineHandler({
            action: 'stuck',
            async run(ctx) {
              stuckSignal = ctx.signal;
              await new Promise(() => {});
            },
          }),
          defineHandler({ action: 'later', run: queuedRun }),
        ],
        maxConcurrent: 2,
      });
      await t.dispatcher.dispatch(invocation('r_fast', { action: 'fast' }), meta);
      await t.dispatcher.dispatch(invocation('r_stuck', { action: 'stuck' }), meta);
      await t.dispatcher.dispatch(invocation('r_later', { action: 'later' }), meta);
      expect(t.dispatcher.inFlight).toBe(2);
      // Both runs are executing (their start is deferred one turn) before the grace period starts.
      await until(() => t.store.get('r_fast')?.state === 'running' && stuckSignal !== undefined);

      const done = t.dispatcher.shutdown(1000); // room for the released run to finish on a loaded machine
      expect(t.dispatcher.accepting).toBe(false);
      await expect(t.dispatcher.dispatch(invocation('r_new'), meta)).rejects.toMatchObject({ code: 'shutting_down' });
      fast.open();
      await done;

      expect(t.store.get('r_fast')).toMatchObject({ state: 'finished', finalStatus: 'SUCCESS' });
      expect(t.store.get('r_stuck')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: 'service shutting down' });
      await t.reporting.settle();
      expect(t.reporting.finals('r_stuck')).toEqual([{ status: 'FAILURE', label: 'service shutting down' }]);
      expect(stuckSignal?.aborted).toBe(true);
      expect(t.store.get('r_later')).toMatchObject({ state: 'queued' });
      expect(queuedRun).not.toHaveBeenCalled();
      expect(t.store.get('r_new')).toBeUndefined();
    });

    it('when every in-flight run finishes within the grace period, then none is aborted', async () => {
      let signal: AbortSignal | undefined;
      const t = setup({
        handlers: [
          defineHandler({
            action: 'deploy',
            async run(ctx) {
              signal = ctx.signal;
              await tick(10);
            },
          }),
        ],
      });
      await t.dispatcher.dispatch(invocation('r_1'), meta);
      await until(() => signal !== undefined);
      await t.dispatcher.shutdown(5000);
      expect(t.store.get('r_1')).toMatchObject({ finalStatus: 'SUCCESS' });
      expect(signal?.aborted).toBe(false);
    });

    it('when the action lookup is still awaiting as shutdown begins, then the delivery gets shutting_down and nothing is journaled', async () => {
      const answer = gate<{ action: string; blueprint: string | null }>();
      const t = setup({ handlers: [ok().handler], lookupAction: () => answer.promise });
      const pending = t.dispatcher.dispatch(invocation('r_1', { action: null }), meta);
      await t.dispatcher.shutdown(10);
      answer.open({ action: 'deploy', blueprint: null });
      await expect(pending).rejects.toMatchObject({ code: 'shutting_down' });
      expect(t.store.get('r_1')).toBeUndefined();
    });
  });
});
