// ctx.port against the simulator: reads with the service's token, Port's errors as coded errors, and
// the test kit's catalog seeding (the day-2 entity exists in Port, as it always does there).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { isCodedError } from '../../src/errors.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { PortReadError } from '../../src/runtime/portReads.js';
import { runHandler, startSimulator, type RunningSimulator } from '../../src/testing/index.js';

const CREDS = { clientId: 'reads-client', clientSecret: 'reads-secret-0123456789' };
let running: RunningSimulator;
beforeAll(async () => {
  running = await startSimulator(CREDS);
});
afterAll(() => running.close());
beforeEach(() => running.sim.reset());
const simulator = () => ({ running, ...CREDS });

const svc = { blueprint: 'service', identifier: 'payments', title: 'Payments', properties: { language: 'Go', tier: 1 }, relations: { team: 'core' } };

describe('ctx.port', () => {
  it('when a handler reads an entity, a blueprint, a run and searches, then it gets what the catalog holds', async () => {
    const handler = defineHandler({
      action: 'inspect',
      async run(ctx) {
        const entity = await ctx.port.getEntity('service', 'payments');
        const blueprint = await ctx.port.getBlueprint('service');
        const run = await ctx.port.getRun(ctx.runId);
        const goServices = await ctx.port.searchEntities({ combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'Go' }] }, { blueprint: 'service' });
        const anywhere = await ctx.port.searchEntities({ combinator: 'or', rules: [{ property: '$identifier', operator: 'beginsWith', value: 'pay' }, { property: '$title', operator: '=', value: 'Billing' }] });
        return { entity: entity.title, blueprint: blueprint.title, run: run.action.identifier, goServices: goServices.map((e) => e.identifier), anywhere: anywhere.map((e) => e.identifier).sort() };
      },
    });
    const run = await runHandler(handler, {
      simulator: simulator(),
      entities: [svc, { blueprint: 'service', identifier: 'ledger', properties: { language: 'Rust' } }, { blueprint: 'team', identifier: 'billing', title: 'Billing' }],
      blueprints: [{ identifier: 'service', title: 'Service' }],
    });
    expect(run.status).toBe('SUCCESS');
    expect(run.result).toEqual({ entity: 'Payments', blueprint: 'Service', run: 'inspect', goServices: ['payments'], anywhere: ['billing', 'payments'] });
  });

  it('when the entity does not exist, then the read rejects with the coded error not_found', async () => {
    let caught: unknown;
    const handler = defineHandler({
      action: 'lookup',
      async run(ctx) {
        try {
          await ctx.port.getEntity('service', 'ghost');
        } catch (err) {
          caught = err;
          throw err;
        }
      },
    });
    const run = await runHandler(handler, { simulator: simulator() });
    expect(isCodedError(caught, 'not_found')).toBe(true);
    expect(caught).toBeInstanceOf(PortReadError);
    expect((caught as PortReadError).status).toBe(404);
    expect(run.status).toBe('FAILURE');
    expect(run.statusLabel).toMatch(/Entity with identifier "ghost" in blueprint "service" was not found/);
  });

  it('when Port answers 429 with Retry-After, then the read waits and succeeds on the retry', async () => {
    running.sim.rateLimit({ route: 'GET /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}', count: 1, retryAfterSeconds: 1 });
    const handler = defineHandler({
      action: 'patient',
      async run(ctx) {
        const started = Date.now();
        const entity = await ctx.port.getEntity('service', 'payments');
        return { title: entity.title, waitedMs: Date.now() - started };
      },
    });
    const run = await runHandler(handler, { simulator: simulator(), entities: [svc] });
    expect(run.status).toBe('SUCCESS');
    expect((run.result as { title: string }).title).toBe('Payments');
    expect((run.result as { waitedMs: number }).waitedMs).toBeGreaterThanOrEqual(900);
    const reads = running.sim.requests({ route: '/v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}' });
    expect(reads.map((r) => r.status)).toEqual([429, 200]);
  });

  it('when a blueprint search spans pages, then every page is read', async () => {
    const many = Array.from({ length: 205 }, (_, i) => ({ blueprint: 'service', identifier: `s${i}`, properties: { language: 'Go' } }));
    const handler = defineHandler({
      action: 'all_go',
      async run(ctx) {
        return (await ctx.port.searchEntities({ combinator: 'and', rules: [{ property: 'language', operator: '=', value: 'Go' }] }, { blueprint: 'service' })).length;
      },
    });
    const run = await runHandler(handler, { simulator: simulator(), entities: many });
    expect(run.result).toBe(205);
    expect(running.sim.requests({ route: '/v1/blueprints/{blueprint_identifier}/entities/search' }).map((r) => (r.body as { from?: string }).from ?? null)).toEqual([null, '200']);
  });

  it('when Port answers a burst of 503s, then the read is retried and succeeds', async () => {
    running.sim.failNext({ route: 'POST /v1/entities/search', count: 3, status: 503 });
    const handler = defineHandler({
      action: 'burst',
      async run(ctx) {
        return (await ctx.port.searchEntities({ combinator: 'and', rules: [{ property: '$blueprint', operator: '=', value: 'service' }] })).map((e) => e.identifier);
      },
    });
    const run = await runHandler(handler, { simulator: simulator(), entities: [svc] });
    expect(run.result).toEqual(['payments']);
    expect(running.sim.requests({ route: '/v1/entities/search' }).map((r) => r.status)).toEqual([503, 503, 503, 200]);
  });

  it('when Port keeps failing, then the read rejects with port_unavailable', async () => {
    running.sim.failNext({ route: 'GET /v1/blueprints/{identifier}', count: 100, status: 503 });
    let code: unknown;
    const handler = defineHandler({
      action: 'down',
      timeoutMs: 20_000,
      async run(ctx) {
        await ctx.port.getBlueprint('service').catch((err: unknown) => {
          code = isCodedError(err) ? err.code : err;
        });
      },
    });
    await runHandler(handler, { simulator: simulator(), entities: [svc] });
    expect(code).toBe('port_unavailable');
  });
});

describe('runHandler catalog seeding', () => {
  it('when a day-2 handler updates ctx.entity, then it succeeds because the entity is seeded into the simulator', async () => {
    const handler = defineHandler({
      action: 'rename_service',
      operation: 'DAY-2',
      blueprint: 'service',
      async run(ctx) {
        await ctx.reporter.updateEntity('service', String(ctx.entity!.identifier), { title: 'Renamed' });
      },
    });
    const run = await runHandler(handler, { entity: { identifier: 'payments', title: 'Payments', properties: { language: 'Go' } } });
    expect(run.status).toBe('SUCCESS');
    expect(run.entities).toEqual([expect.objectContaining({ blueprint: 'service', identifier: 'payments', title: 'Renamed', properties: { language: 'Go' } })]);
  });
});
