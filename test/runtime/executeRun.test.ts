import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createCipheriv, randomBytes } from 'node:crypto';
import Transport from 'winston-transport';
import { z } from 'zod';
import { testConfig } from '../../src/config.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { defineHandler, type HandlerSpec } from '../../src/registry/defineHandler.js';
import type { RunContext } from '../../src/runtime/context.js';
import { executeRun, type ExecuteRunOptions } from '../../src/runtime/executeRun.js';
import { gate, invocation, realReporting, tick, type Reporting } from './helpers.js';
import { TEST_STORES } from './stores.js';

const config = testConfig({ RUN_TIMEOUT_MS: '60000' });
const clock = { now: () => Date.now() };

describe.each(TEST_STORES)('executeRun on the $name journal', ({ open }) => {
  const kits: Reporting[] = [];
  afterEach(() => kits.splice(0).forEach((k) => k.close()));

  /** A journaled run `runId` with the real reporter on it; Port is the FakePort. */
  function journaled(runId: string) {
    const kit = realReporting(open());
    kits.push(kit);
    kit.store.accept({ runId, action: 'deploy', invocation: invocation(runId), synchronized: false }, clock.now());
    return { kit, reporter: kit.reporterFactory({ runId, action: 'deploy', synchronized: false }) };
  }

  function run(spec: Partial<HandlerSpec<z.ZodType | undefined>> & Pick<HandlerSpec, 'run'>, over: Partial<ExecuteRunOptions> = {}) {
    const handler = defineHandler({ action: 'deploy', ...spec } as HandlerSpec<z.ZodType | undefined>);
    const { kit, reporter } = journaled('r_1');
    const outcome = executeRun({
      invocation: invocation('r_1', { inputs: { name: 'svc', region: 'eu' } }),
      action: 'deploy',
      resolved: { handler, action: 'deploy' },
      reporter,
      config,
      clock,
      logger: silentLogger(),
      ...over,
    });
    /** The final statuses Port received for the run once the outbox has sent everything. */
    const received = async () => (await kit.settle(), kit.finals('r_1'));
    return { kit, outcome, received };
  }

  it('when the handler returns without finalizing, then the run ends SUCCESS once and the result is kept', async () => {
    const { kit, outcome, received } = run({ run: async () => ({ url: 'https://x' }) });
    await expect(outcome).resolves.toEqual({ status: 'SUCCESS', label: null, result: { url: 'https://x' } });
    expect(await received()).toEqual([{ status: 'SUCCESS' }]);
    expect(kit.store.get('r_1')).toMatchObject({ state: 'finished', finalStatus: 'SUCCESS', finalLabel: null });
  });

  it('when the handler calls success(label) and returns, then that label stays and nothing else is sent', async () => {
    const { outcome, received } = run({ run: async (ctx) => ctx.reporter.success('Completed successfully!') });
    await expect(outcome).resolves.toMatchObject({ status: 'SUCCESS', label: 'Completed successfully!' });
    expect(await received()).toEqual([{ status: 'SUCCESS', label: 'Completed successfully!' }]);
  });

  it("when the handler calls failure('x') and then returns, then the run ends FAILURE 'x' with one final status", async () => {
    const { kit, outcome, received } = run({
      run: async (ctx) => {
        await ctx.reporter.failure('x');
      },
    });
    await expect(outcome).resolves.toEqual({ status: 'FAILURE', label: 'x', result: undefined });
    expect(await received()).toEqual([{ status: 'FAILURE', label: 'x' }]);
    expect(kit.store.get('r_1')).toMatchObject({ finalStatus: 'FAILURE', finalLabel: 'x' });
  });

  it('when the handler throws, then the run ends FAILURE with the first line of the message and the stack is logged locally', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const transport = new (class extends Transport {
      override log(info: Record<string, unknown>, next: () => void) {
        lines.push(info);
        next();
      }
    })();
    const { outcome, received } = run(
      {
        run: async () => {
          throw new Error('bucket already exists\nsecond line with details');
        },
      },
      { logger: createLogger({ transports: [transport] }) },
    );
    await expect(outcome).resolves.toMatchObject({ status: 'FAILURE', label: 'bucket already exists' });
    expect(await received()).toEqual([{ status: 'FAILURE', label: 'bucket already exists' }]);
    const errorLine = lines.find((l) => l.level === 'error');
    expect(errorLine).toMatchObject({ runId: 'r_1', action: 'deploy', error: expect.stringContaining('at ') });
  });

  it('when the handler throws synchronously (not async), then the run still ends FAILURE with the message', async () => {
    const { outcome, received } = run({
      run: (() => {
        throw new Error('sync throw');
      }) as never,
    });
    await expect(outcome).resolves.toMatchObject({ status: 'FAILURE', label: 'sync throw' });
    expect(await received()).toEqual([{ status: 'FAILURE', label: 'sync throw' }]);
  });

  it('when the inputs do not match the schema, then the run ends FAILURE naming the fields and run() is not called', async () => {
    const body = jest.fn(async () => undefined);
    const { outcome, received } = run(
      { inputs: z.object({ name: z.string(), region: z.enum(['eu', 'us']), size: z.number() }), run: body },
      { invocation: invocation('r_1', { inputs: { region: 'mars', size: 1 } }) },
    );
    const result = await outcome;
    expect(result.status).toBe('FAILURE');
    expect(result.label).toMatch(/^invalid inputs: name: Invalid input: expected string, received undefined; region: /);
    expect(result.label).toBe(
      'invalid inputs: name: Invalid input: expected string, received undefined; region: Invalid option: expected one of "eu"|"us"',
    );
    expect(await received()).toEqual([{ status: 'FAILURE', label: result.label }]);
    expect(body).not.toHaveBeenCalled();
  });

  it('when the inputs match the schema, then ctx.inputs is the parsed value (defaults applied)', async () => {
    let seen: unknown;
    const { outcome } = run({
      inputs: z.object({ name: z.string(), replicas: z.number().default(2) }),
      run: async (ctx) => {
        seen = ctx.inputs;
      },
    });
    await expect(outcome).resolves.toMatchObject({ status: 'SUCCESS' });
    expect(seen).toEqual({ name: 'svc', replicas: 2 });
  });

  it('when there is no handler, then the run ends FAILURE "no handler for action" with the id', async () => {
    const { kit, reporter } = journaled('r_1');
    const outcome = await executeRun({
      invocation: invocation('r_1'),
      action: 'service_frobnicate',
      resolved: null,
      reporter,
      config,
      clock,
      logger: silentLogger(),
    });
    expect(outcome).toMatchObject({ status: 'FAILURE', label: "no handler for action 'service_frobnicate'" });
    await kit.settle();
    expect(kit.finals('r_1')).toEqual([{ status: 'FAILURE', label: "no handler for action 'service_frobnicate'" }]);
  });

  it('when the deadline passes, then ctx.signal aborts and the run ends FAILURE "timed out after <n> ms" without waiting for the handler', async () => {
    let signal: AbortSignal | undefined;
    const { outcome, received } = run({
      timeoutMs: 30,
      run: async (ctx) => {
        signal = ctx.signal;
        await new Promise(() => {}); // ignores the signal, never settles
      },
    });
    await expect(outcome).resolves.toEqual({ status: 'FAILURE', label: 'timed out after 30 ms', result: undefined });
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error).message).toBe('timed out after 30 ms');
    expect(await received()).toEqual([{ status: 'FAILURE', label: 'timed out after 30 ms' }]);
  });

  it('when a handler rejects because its signal aborted at the deadline, then the label is still the timeout', async () => {
    const { outcome } = run({
      timeoutMs: 20,
      run: (ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted by signal')))),
    });
    await expect(outcome).resolves.toMatchObject({ status: 'FAILURE', label: 'timed out after 20 ms' });
  });

  it('when no handler timeout is set, then RUN_TIMEOUT_MS from config is the deadline', async () => {
    const { outcome } = run({ run: () => new Promise(() => {}) }, { config: testConfig({ RUN_TIMEOUT_MS: '25' }) });
    await expect(outcome).resolves.toMatchObject({ status: 'FAILURE', label: 'timed out after 25 ms' });
  });

  it('when the handler keeps reporting after the deadline ended the run, then those calls are dropped', async () => {
    const late = gate();
    const { kit, outcome, received } = run({
      timeoutMs: 20,
      run: async (ctx) => {
        await new Promise((r) => setTimeout(r, 60));
        await ctx.reporter.log('too late');
        late.open();
      },
    });
    await expect(outcome).resolves.toMatchObject({ label: 'timed out after 20 ms' });
    await late.promise;
    expect(await received()).toEqual([{ status: 'FAILURE', label: 'timed out after 20 ms' }]);
    expect(kit.logs('r_1')).toEqual([]);
    expect(kit.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['log() after the final status was dropped: Port no longer accepts it']);
  });

  it('when the shutdown signal fires, then ctx.signal aborts and the run ends FAILURE "service shutting down"', async () => {
    const shutdown = new AbortController();
    let signal: AbortSignal | undefined;
    const { outcome } = run(
      {
        run: async (ctx) => {
          signal = ctx.signal;
          await new Promise(() => {});
        },
      },
      { signal: shutdown.signal },
    );
    await tick(5);
    shutdown.abort();
    await expect(outcome).resolves.toMatchObject({ status: 'FAILURE', label: 'service shutting down' });
    expect(signal?.aborted).toBe(true);
  });

  it('when the shutdown signal has already fired before the run starts, then run() is not called and the run ends FAILURE "service shutting down"', async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    const body = jest.fn(async () => undefined);
    const { outcome, received } = run({ run: body }, { signal: shutdown.signal });
    await expect(outcome).resolves.toEqual({ status: 'FAILURE', label: 'service shutting down', result: undefined });
    expect(await received()).toEqual([{ status: 'FAILURE', label: 'service shutting down' }]);
    expect(body).not.toHaveBeenCalled();
  });

  it('when building the context, then it carries the run, the payload and a decrypt bound to the client secret', async () => {
    const secret = 'client-secret-with-at-least-32-bytes-1234';
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(secret).subarray(0, 32), iv);
    const enc = Buffer.concat([iv, cipher.update('pw'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    let ctx: RunContext<unknown> | undefined;
    let plain = '';
    const { outcome } = run(
      {
        run: async (c) => {
          ctx = c as RunContext<unknown>;
          plain = c.decrypt(enc);
        },
      },
      {
        invocation: invocation('r_1', { entity: { identifier: 'e1' }, trigger: { origin: 'UI' }, payload: { raw: true }, inputs: { a: 1 } }),
        clientSecret: secret,
      },
    );
    await outcome;
    expect(ctx).toMatchObject({ runId: 'r_1', action: 'deploy', inputs: { a: 1 }, entity: { identifier: 'e1' }, trigger: { origin: 'UI' }, payload: { raw: true } });
    expect(plain).toBe('pw');
  });

  it('when runs finish, then started/finished/duration metrics use the registered action id', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    await run({ run: async () => undefined }, { metrics }).outcome;
    await executeRun({ invocation: invocation('r_2'), action: 'r4nd0m', resolved: null, reporter: journaled('r_2').reporter, config, clock, logger: silentLogger(), metrics });
    const finished = (await metrics.runsFinished.get()).values.map((v) => [v.labels.action, v.labels.status, v.value]);
    expect(finished).toEqual(expect.arrayContaining([['deploy', 'SUCCESS', 1], ['unknown', 'FAILURE', 1]]));
    const started = (await metrics.runsStarted.get()).values.map((v) => v.labels.action);
    expect(started).not.toContain('r4nd0m');
  });
});
