// Automation deliveries: Port's trigger data with `event`, the automation's identifier as action.identifier.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { defineHandler } from '../../src/registry/defineHandler.js';
import type { AutomationEventType } from '../../src/runtime/event.js';
import { runHandler } from '../../src/testing/index.js';
import { eventually, startStack, type Stack } from '../e2e/stack.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(path.join(here, '../fixtures', name), 'utf8')) as Record<string, any>;

describe('automation deliveries through the service', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('when Port delivers the ENTITY_UPDATED fixture, then the automation handler runs with diff.before and diff.after and the run is reported', async () => {
    stack = await startStack({ HANDLERS_DIR: path.join(here, '../actions/handlers') });
    const body = fixture('port-webhook-v2-trigger-data-automation-entity-updated.json');
    body.action.identifier = 'notify_on_update';
    stack.simulator.sim.createRun({ runId: body.run.id, action: 'notify_on_update' });

    const res = await stack.post('/webhook', JSON.stringify(body));
    expect(res.status).toBe(202);
    const run = await eventually(() => {
      const r = stack!.simulator.sim.run(body.run.id);
      return r?.status === 'SUCCESS' ? r : undefined;
    }, 5000, 'the automation run to finish');
    expect(run.logs.map((l) => l.message)).toEqual(['updated example-service-identifier (was Example service)']);
  });

  it('when Port delivers the RUN_UPDATED fixture to a synchronized handler, then ctx.event holds the runs and the answer is its result', async () => {
    stack = await startStack({ HANDLERS_DIR: path.join(here, '../actions/handlers') });
    const body = fixture('port-webhook-v2-trigger-data-automation-run-updated.json');
    body.action.identifier = 'restart_service_watch';
    stack.simulator.sim.createRun({ runId: body.run.id, action: 'restart_service_watch' });

    const res = await stack.post('/webhook', JSON.stringify(body));
    expect(res).toEqual({ status: 200, body: { watched: 'IN_PROGRESS' } });
  });

  it('when an automation delivery has no event, then the run ends FAILURE saying so', async () => {
    stack = await startStack({ HANDLERS_DIR: path.join(here, '../actions/handlers') });
    const body = fixture('port-webhook-v2-trigger-data-automation-entity-updated.json');
    body.action.identifier = 'notify_on_update';
    delete body.event;
    stack.simulator.sim.createRun({ runId: body.run.id, action: 'notify_on_update' });
    await stack.post('/webhook', JSON.stringify(body));
    const run = await eventually(() => {
      const r = stack!.simulator.sim.run(body.run.id);
      return r?.status === 'FAILURE' ? r : undefined;
    }, 5000, 'the run to fail');
    expect(run.statusLabel).toBe("automation 'notify_on_update' delivered without an event (Port's trigger data carries one)");
  });
});

describe('ctx.event per event type', () => {
  const entityFixture = fixture('port-webhook-v2-trigger-data-automation-entity-updated.json').event;
  const runFixture = fixture('port-webhook-v2-trigger-data-automation-run-updated.json').event;
  const entityEvent = (before: unknown, after: unknown, action: string) => ({ ...entityFixture, action, diff: { before, after } });
  const runEvent = (before: unknown, after: unknown, action: string) => ({ ...runFixture, action, diff: { before, after } });
  const { before: eBefore, after: eAfter } = entityFixture.diff;
  const { before: rBefore, after: rAfter } = runFixture.diff;

  const cases: Array<[AutomationEventType, Record<string, unknown>, string]> = [
    ['ENTITY_CREATED', entityEvent(null, eAfter, 'CREATE'), 'entity null → Example service renamed'],
    ['ENTITY_UPDATED', entityEvent(eBefore, eAfter, 'UPDATE'), 'entity Example service → Example service renamed'],
    ['ENTITY_DELETED', entityEvent(eBefore, null, 'DELETE'), 'entity Example service → null'],
    ['ANY_ENTITY_CHANGE', entityEvent(eBefore, eAfter, 'UPDATE'), 'entity Example service → Example service renamed'],
    ['TIMER_PROPERTY_EXPIRED', entityEvent(undefined, eAfter, 'TIMER_EXPIRED'), 'entity null → Example service renamed'],
    ['RUN_CREATED', runEvent(null, rAfter, 'CREATE'), 'run null → IN_PROGRESS'],
    ['RUN_UPDATED', runEvent(rBefore, { ...rAfter, status: 'SUCCESS' }, 'UPDATE'), 'run IN_PROGRESS → SUCCESS'],
    ['ANY_RUN_CHANGE', runEvent(rBefore, rAfter, 'UPDATE'), 'run IN_PROGRESS → IN_PROGRESS'],
  ];

  it.each(cases)('when a %s delivery arrives, then the handler sees its diff', async (event, delivered, expected) => {
    const isRun = event.startsWith('RUN') || event === 'ANY_RUN_CHANGE';
    const handler = defineHandler({
      automation: { identifier: `on_${event.toLowerCase()}`, event, ...(isRun ? { action: 'deploy' } : { blueprint: 'service' }) },
      async run(ctx) {
        const e = ctx.event;
        if (e.resourceType === 'entity') await ctx.reporter.log(`entity ${e.diff.before?.title ?? 'null'} → ${e.diff.after?.title ?? 'null'}`);
        else await ctx.reporter.log(`run ${e.diff.before?.status ?? 'null'} → ${e.diff.after?.status ?? 'null'}`);
      },
    });
    const run = await runHandler(handler, { event: delivered });
    expect(run.status).toBe('SUCCESS');
    expect(run.logs).toEqual([expected]);
  });

  it('when a handler has an action and an automation, then an event goes to the automation and a plain run to the action', async () => {
    const handler = defineHandler({
      action: 'deploy',
      automation: { identifier: 'deploy_watch', event: 'RUN_UPDATED', action: 'deploy' },
      async run(ctx) {
        return { action: ctx.action, status: ctx.event?.diff.after.status ?? null };
      },
    });
    expect((await runHandler(handler, { event: runEvent(rBefore, rAfter, 'UPDATE') })).result).toEqual({ action: 'deploy_watch', status: 'IN_PROGRESS' });
    expect((await runHandler(handler, {})).result).toEqual({ action: 'deploy', status: null });
  });

  it('when a handler without an automation runs, then ctx.event is null', async () => {
    const handler = defineHandler({
      action: 'plain',
      async run(ctx) {
        // @ts-expect-error without an automation, ctx.event is typed null
        void ctx.event?.diff;
        return { event: ctx.event };
      },
    });
    expect((await runHandler(handler, {})).result).toEqual({ event: null });
  });
});
