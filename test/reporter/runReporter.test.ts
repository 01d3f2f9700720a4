import { afterEach, describe, expect, it } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { createOutbox } from '../../src/reporter/outbox.js';
import { createRunReporter } from '../../src/reporter/runReporter.js';
import { FakePort } from './fakePort.js';
import { memoryLogger } from './memoryLogger.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
});

function setup(opts: { synchronized?: boolean; maxLogBytes?: number; latencyMs?: number } = {}) {
  const store = openSqliteStore({ path: ':memory:' });
  const port = new FakePort();
  port.latencyMs = opts.latencyMs ?? 0;
  const { logger, lines } = memoryLogger();
  const outbox = createOutbox({ store: sqliteAsyncStore({ store }), port, clock: systemClock, logger, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  store.accept({ runId: 'r_1', action: 'deploy', invocation: { runId: 'r_1', action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} }, synchronized: !!opts.synchronized }, 1);
  const reporter = createRunReporter({
    runId: 'r_1',
    action: 'deploy',
    synchronized: opts.synchronized ?? false,
    outbox,
    logger,
    clock: systemClock,
    maxLogBytes: opts.maxLogBytes,
  });
  cleanup.push(() => store.close(), () => outbox.stop());
  return { store, port, outbox, reporter, lines };
}

const finalCalls = (port: FakePort) =>
  port.calls.filter((c) => {
    const body = c.args[1] as Record<string, unknown> | undefined;
    return (c.method === 'patchRun' && body?.status) || (c.method === 'addRunLog' && body?.terminationStatus);
  });

describe('createRunReporter', () => {
  it('when a handler fires 100 log() calls without awaiting, then Port gets them in call order, each once', async () => {
    const { port, reporter } = setup({ latencyMs: 1 });
    for (let i = 0; i < 100; i++) void reporter.log(`line ${i}`);
    await reporter.drained();
    expect(port.callsOf('addRunLog').map((c) => (c.args[1] as { message: string }).message)).toEqual(
      Array.from({ length: 100 }, (_, i) => `line ${i}`),
    );
  });

  it('when an entity write is not awaited and success() follows, then the entity call precedes the final status', async () => {
    const { port, reporter } = setup({ latencyMs: 5 });
    const entity = reporter.upsertEntity('service', { identifier: 'svc', properties: { region: 'eu' } });
    expect(reporter.pendingEntityWrites).toBe(1);
    await reporter.success('done');
    await expect(entity).resolves.toEqual({ identifier: 'svc', properties: { region: 'eu' }, blueprint: 'service' });
    await reporter.drained();
    expect(port.calls.map((c) => c.method)).toEqual(['createEntity', 'patchRun']);
    expect(port.calls[0].args).toEqual(['service', { identifier: 'svc', properties: { region: 'eu' } }, { upsert: true, merge: false, runId: 'r_1' }]);
    expect(port.calls[1].args[1]).toEqual({ status: 'SUCCESS', statusLabel: 'done' });
    expect(reporter.pendingEntityWrites).toBe(0);
  });

  it('when success() is called twice, then one final call goes out and the second is a logged no-op', async () => {
    const { port, reporter, lines } = setup();
    await reporter.success('first');
    await reporter.failure('second');
    await reporter.drained();
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0].args[1]).toEqual({ status: 'SUCCESS', statusLabel: 'first' });
    expect(reporter.status).toBe('SUCCESS');
    expect(reporter.statusLabel).toBe('first');
    expect(lines.filter((l) => l.level === 'warn' && /second final status/.test(l.message))).toHaveLength(1);
  });

  it('when Port answers 422 to the final status and shows the run finished, then the run counts as finished with no retry loop', async () => {
    const { port, reporter, store } = setup();
    port.failNext('patchRun', 1, 422);
    port.runStatus.set('r_1', 'FAILURE');
    await reporter.failure('boom');
    await reporter.drained();
    expect(port.calls.map((c) => c.method)).toEqual(['patchRun', 'getRun']);
    expect(reporter.finished).toBe(true);
    expect(store.get('r_1')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: 'boom' });
    expect(store.countPendingOps()).toBe(0);
  });

  it('when Port answers 502 then accepts, then the log is retried and delivered once', async () => {
    const { port, reporter } = setup();
    port.failNext('addRunLog', 1, 502);
    await reporter.log('retry me');
    await reporter.drained();
    expect(port.callsOf('addRunLog').map((c) => c.args[1])).toEqual([{ message: 'retry me' }, { message: 'retry me' }]);
  });

  it('when Port refuses a log for good (400), then later ops and the final status are still sent', async () => {
    const { port, reporter } = setup();
    port.failNext('addRunLog', 1, 400);
    await reporter.log('rejected');
    await reporter.setSummary('summary');
    await reporter.success();
    await reporter.drained();
    expect(port.calls.map((c) => [c.method, c.args[1]])).toEqual([
      ['addRunLog', { message: 'rejected' }],
      ['patchRun', { summary: 'summary', status: 'SUCCESS' }],
    ]);
  });

  it('when a message is over the size limit, then it is cut on a character boundary with a visible marker', async () => {
    const { port, reporter } = setup({ maxLogBytes: 1000 });
    const message = 'é'.repeat(2000); // 4000 bytes of UTF-8
    await reporter.log(message);
    await reporter.drained();
    const sent = (port.calls[0].args[1] as { message: string }).message;
    const match = /^(é+)… \[truncated (\d+) bytes\]$/.exec(sent);
    expect(match).not.toBeNull();
    expect(Buffer.byteLength(JSON.stringify(sent))).toBeLessThanOrEqual(1000);
    expect(Number(match![2])).toBe(4000 - Buffer.byteLength(match![1]));
  });

  it('when a message is under the limit, then it is sent unchanged (non-strings as String())', async () => {
    const { port, reporter } = setup({ maxLogBytes: 1000 });
    await reporter.log('x'.repeat(900));
    await reporter.log(42 as unknown as string);
    await reporter.drained();
    expect(port.calls.map((c) => (c.args[1] as { message: string }).message)).toEqual(['x'.repeat(900), '42']);
  });

  it('when links are added one by one, then each PATCH carries the whole list', async () => {
    const { port, reporter } = setup({ latencyMs: 2 });
    await reporter.addLink('https://ci/1');
    await reporter.drained();
    await reporter.addLink('https://ci/2');
    await reporter.drained();
    expect(port.calls.map((c) => c.args[1])).toEqual([{ link: ['https://ci/1'] }, { link: ['https://ci/1', 'https://ci/2'] }]);
  });

  it('when label, summary and success are journaled together, then exactly one PATCH goes out', async () => {
    const { port, reporter } = setup();
    await reporter.setStatusLabel('deploying');
    await reporter.setSummary('all good');
    await reporter.setExternalRunId('ext-9');
    await reporter.success('Completed');
    await reporter.drained();
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0]).toMatchObject({
      method: 'patchRun',
      args: ['r_1', { statusLabel: 'Completed', summary: 'all good', externalRunId: 'ext-9', status: 'SUCCESS' }],
    });
  });

  it('when a log is directly followed by failure(), then one log call carries the termination status', async () => {
    const { port, reporter } = setup();
    await reporter.log('last words');
    await reporter.failure('broke');
    await reporter.drained();
    expect(port.calls).toHaveLength(1);
    expect(port.calls[0]).toMatchObject({ method: 'addRunLog', args: ['r_1', { message: 'last words', terminationStatus: 'FAILURE', statusLabel: 'broke' }] });
  });

  it('when the final label is an error text with a stack, then only its first line reaches Port', async () => {
    const { port, reporter } = setup();
    const err = new Error('database unreachable\n    at connect (db.ts:1:1)');
    await reporter.failure(err as unknown as string);
    await reporter.drained();
    expect(port.calls[0].args[1]).toEqual({ status: 'FAILURE', statusLabel: 'database unreachable' });
  });

  it('when the run is finished, then progress calls are dropped with a warning and entity writes reject run_finished', async () => {
    const { port, reporter, lines } = setup();
    await reporter.success();
    await reporter.drained();
    await reporter.log('too late');
    await reporter.setStatusLabel('too late');
    await reporter.addLink('https://late');
    await reporter.setSummary('late');
    await reporter.setExternalRunId('late');
    await expect(reporter.upsertEntity('service', { identifier: 'x' })).rejects.toMatchObject({ code: 'run_finished' });
    await expect(reporter.deleteEntity('service', 'x')).rejects.toMatchObject({ code: 'run_finished' });
    await reporter.drained();
    expect(port.calls).toHaveLength(1);
    expect(lines.filter((l) => l.level === 'warn' && /after the final status/.test(l.message))).toHaveLength(5);
  });

  it('when a synchronized run finishes, then no final status is sent but the journal records it', async () => {
    const { port, reporter, store } = setup({ synchronized: true });
    await reporter.log('working');
    await reporter.failure('nope');
    await reporter.drained();
    expect(port.calls.map((c) => [c.method, c.args[1]])).toEqual([['addRunLog', { message: 'working' }]]);
    expect(store.get('r_1')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: 'nope' });
    expect(reporter.status).toBe('FAILURE');
  });

  it('when Port refuses an entity write, then the call rejects with the PortApiError and the final status still goes out', async () => {
    const { port, reporter } = setup();
    port.failNext('createEntity', 1, 404, 'not_found');
    const write = reporter.upsertEntity('nope', { identifier: 'x' }, { merge: true, createMissingRelatedEntities: true });
    await expect(write).rejects.toMatchObject({ code: 'port_api_error', status: 404, portError: 'not_found' });
    await reporter.success();
    await reporter.drained();
    expect(port.calls[0].args[2]).toEqual({ upsert: true, merge: true, runId: 'r_1', createMissingRelatedEntities: true });
    expect(port.calls.map((c) => c.method)).toEqual(['createEntity', 'patchRun']);
  });

  it('when update, replace and delete are called, then each carries the run id and resolves with Port answer', async () => {
    const { port, reporter } = setup();
    await expect(reporter.updateEntity('svc', 'a', { title: 'A' })).resolves.toEqual({ title: 'A', identifier: 'a', blueprint: 'svc' });
    await expect(reporter.replaceEntity('svc', 'a', { identifier: 'a' }, { createMissingRelatedEntities: false })).resolves.toMatchObject({ identifier: 'a' });
    await expect(reporter.deleteEntity('svc', 'a', { deleteDependents: true })).resolves.toBeUndefined();
    expect(port.calls.map((c) => [c.method, c.args])).toEqual([
      ['updateEntity', ['svc', 'a', { title: 'A' }, { runId: 'r_1' }]],
      ['replaceEntity', ['svc', 'a', { identifier: 'a' }, { createMissingRelatedEntities: false, runId: 'r_1' }]],
      ['deleteEntity', ['svc', 'a', { deleteDependents: true, runId: 'r_1' }]],
    ]);
  });

  it('when finalizeIfOpen runs after the handler finalized, then it returns false silently; on an open run it decides', async () => {
    const first = setup();
    await first.reporter.success();
    await expect(first.reporter.finalizeIfOpen({ status: 'FAILURE', label: 'x' })).resolves.toBe(false);
    expect(first.lines.filter((l) => l.level === 'warn')).toHaveLength(0);

    const second = setup();
    await expect(second.reporter.finalizeIfOpen({ status: 'FAILURE', label: 'timed out after 5s' })).resolves.toBe(true);
    await second.reporter.drained();
    expect(finalCalls(second.port)).toHaveLength(1);
    expect(second.reporter.statusLabel).toBe('timed out after 5s');
  });
});
