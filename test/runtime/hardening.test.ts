import { afterEach, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { CodedError } from '../../src/errors.js';
import type { RunStore } from '../../src/journal/store.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { stack, until, type Stack } from './stack.js';

const open: Stack[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function make(...args: Parameters<typeof stack>): Stack {
  const s = stack(...args);
  open.push(s);
  return s;
}

/** The final status Port received for a run (PATCH status or a log with terminationStatus). */
function finalOf(s: Stack, runId: string): { status: unknown; label: unknown } | undefined {
  for (const c of s.port.calls) {
    if (c.runId !== runId) continue;
    const body = c.args[1] as Record<string, unknown>;
    if (c.method === 'patchRun' && body.status) return { status: body.status, label: body.statusLabel };
    if (c.method === 'addRunLog' && body.terminationStatus) return { status: body.terminationStatus, label: body.statusLabel };
  }
  return undefined;
}

describe('input validation that throws', () => {
  it('when an input schema has an async refinement that fails, then the run ends FAILURE naming the field', async () => {
    const handler = defineHandler({
      action: 'deploy',
      inputs: z.object({ name: z.string().refine(async (v) => v !== 'taken', 'name is taken') }),
      run: async () => undefined,
    });
    const s = make({ handlers: [handler] });
    const res = await s.deliver('r_async', 'deploy', { name: 'taken' });
    expect(res.status).toBe(202);
    await until(() => s.store.get('r_async')?.state === 'finished', 'run finished');
    await s.outbox.drained('r_async');
    expect(finalOf(s, 'r_async')).toEqual({ status: 'FAILURE', label: 'invalid inputs: name: name is taken' });
  });

  it('when an input schema has an async refinement that passes, then the handler runs with the parsed inputs and the run ends SUCCESS', async () => {
    let seen: unknown;
    const handler = defineHandler({
      action: 'deploy',
      inputs: z.object({ name: z.string().refine(async (v) => v !== 'taken') }),
      run: async (ctx) => {
        seen = ctx.inputs;
      },
    });
    const s = make({ handlers: [handler] });
    await s.deliver('r_ok', 'deploy', { name: 'free' });
    await until(() => s.store.get('r_ok')?.state === 'finished', 'run finished');
    await s.outbox.drained('r_ok');
    expect(seen).toEqual({ name: 'free' });
    expect(finalOf(s, 'r_ok')).toEqual({ status: 'SUCCESS', label: undefined });
  });

  it('when a synchronized action\'s input transform throws, then the delivery answers 422 run_failed with the message and the journal says FAILURE', async () => {
    const handler = defineHandler({
      action: 'lookup',
      synchronized: true,
      inputs: z.object({
        n: z.string().transform((): string => {
          throw new Error('cannot parse n');
        }),
      }),
      run: async () => ({ never: true }),
    });
    const s = make({ handlers: [handler] });
    const res = await s.deliver('r_sync', 'lookup', { n: 'x' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ ok: false, error: 'run_failed', message: 'invalid inputs: cannot parse n' });
    expect(s.store.get('r_sync')).toMatchObject({ state: 'finished', finalStatus: 'FAILURE', finalLabel: 'invalid inputs: cannot parse n' });
  });
});

describe('journal failures and other errors at accept', () => {
  const handler = defineHandler({ action: 'deploy', run: async () => undefined });

  it('when the journal itself fails (SQLite closed), then the delivery answers 503 journal_unavailable', async () => {
    const s = make({ handlers: [handler] });
    s.store.close();
    const res = await s.deliver('r_1', 'deploy');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ ok: false, error: 'journal_unavailable' });
  });

  it('when the journal fails right after a synchronized run is accepted (marking it started), then the answer is 503 and nothing stays journaled, so a redelivery runs it', async () => {
    let failStart = true;
    let calls = 0;
    const sync = defineHandler({ action: 'lookup', synchronized: true, run: async () => ((calls += 1), { n: calls }) });
    const s = make({
      handlers: [sync],
      store: (real) =>
        ({
          ...real,
          markStarted: (runId: string, now: number) => {
            if (failStart) throw new CodedError('journal_unavailable', 'disk I/O error');
            real.markStarted(runId, now);
          },
        }) as RunStore,
    });
    const res = await s.deliver('r_j', 'lookup');
    expect([res.status, res.body]).toEqual([503, { ok: false, error: 'journal_unavailable' }]);
    expect(s.store.stateOf('r_j')).toBeUndefined();
    failStart = false;
    const again = await s.deliver('r_j', 'lookup');
    expect([again.status, again.body, calls]).toEqual([200, { n: 1 }, 1]);
  });

  it('when the store throws an error without a code, then the delivery answers 500 internal_error, not journal_unavailable', async () => {
    const s = make({
      handlers: [handler],
      store: (real) =>
        ({
          ...real,
          accept: () => {
            throw new Error('a bug, not the journal');
          },
        }) as RunStore,
    });
    const res = await s.deliver('r_1', 'deploy');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ ok: false, error: 'internal_error' });
    expect(s.lines.some((l) => l.message === 'accepting a delivery failed')).toBe(true);
  });

  it('when recording the final status fails in the journal (finalizeIfOpen throws), then the run still resolves, the error is logged and the run stays running for recovery', async () => {
    const s = make({
      handlers: [handler],
      store: (real) =>
        Object.assign(Object.create(null), real, {
          markFinished: () => {
            throw new CodedError('journal_unavailable', 'disk I/O error');
          },
        }) as RunStore,
    });
    const res = await s.deliver('r_1', 'deploy');
    expect(res.status).toBe(202);
    await until(() => s.lines.some((l) => l.message === 'run finished'), 'run finished log');
    expect(s.lines.find((l) => l.message === 'could not record the final status')).toMatchObject({ level: 'error', error: 'disk I/O error' });
    expect(s.lines.find((l) => l.message === 'run finished')).toMatchObject({ status: 'SUCCESS' });
    expect(s.store.get('r_1')?.state).toBe('running');
    expect(finalOf(s, 'r_1')).toBeUndefined();
  });
});

describe('synchronized redeliveries are answered from the journal', () => {
  it('when a synchronized run that succeeded is redelivered, then the answer is 200 with the same result and the handler ran once', async () => {
    let calls = 0;
    const handler = defineHandler({
      action: 'lookup',
      synchronized: true,
      run: async () => {
        calls++;
        return { answer: 42 };
      },
    });
    const s = make({ handlers: [handler] });
    const first = await s.deliver('r_s', 'lookup');
    expect([first.status, first.body]).toEqual([200, { answer: 42 }]);
    const again = await s.deliver('r_s', 'lookup');
    expect([again.status, again.body]).toEqual([200, { answer: 42 }]);
    expect(calls).toBe(1);
  });

  it('when a synchronized run that failed is redelivered, then the answer is 422 run_failed with the stored label, not 200', async () => {
    const handler = defineHandler({
      action: 'lookup',
      synchronized: true,
      run: async () => {
        throw new Error('upstream said no');
      },
    });
    const s = make({ handlers: [handler] });
    expect((await s.deliver('r_f', 'lookup')).status).toBe(422);
    const again = await s.deliver('r_f', 'lookup');
    expect(again.status).toBe(422);
    expect(again.body).toEqual({ ok: false, error: 'run_failed', message: 'upstream said no' });
  });

  it('when a synchronized run has finished but its answer waits for its reports to reach Port, then a redelivery gets the stored result (200), not 409', async () => {
    const handler = defineHandler({
      action: 'lookup',
      synchronized: true,
      run: async (ctx) => {
        await ctx.reporter.log('looking up');
        return { answer: 7 };
      },
    });
    const s = make({ handlers: [handler], env: { PORT_CALL_BUDGET_MS: '3000' } });
    s.port.failNext('addRunLog', 100_000, 503); // Port is away: the answer waits up to one call budget
    const first = s.deliver('r_d', 'lookup').then((r) => r);
    await until(() => s.store.get('r_d')?.result !== undefined, 'the outcome to be journaled');
    const again = await s.deliver('r_d', 'lookup');
    expect([again.status, again.body]).toEqual([200, { answer: 7 }]);
    const done = await first;
    expect([done.status, done.body]).toEqual([200, { answer: 7 }]);
  });

  it('when a synchronized run is redelivered while it still runs, then the redelivery answers 409 run_in_progress and the first gets the result', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    const handler = defineHandler({
      action: 'lookup',
      synchronized: true,
      run: async () => {
        started = true;
        await gate;
        return { done: true };
      },
    });
    const s = make({ handlers: [handler] });
    const first = s.deliver('r_p', 'lookup').then((r) => r);
    await until(() => started, 'handler started');
    const again = await s.deliver('r_p', 'lookup');
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ ok: false, error: 'run_in_progress' });
    release();
    const done = await first;
    expect([done.status, done.body]).toEqual([200, { done: true }]);
  });
});

describe('a full queue', () => {
  it('when the queue is full and an already journaled run is redelivered, then the answer is 200 duplicate, not 503', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handler = defineHandler({ action: 'deploy', run: async () => gate });
    const s = make({ handlers: [handler], env: { MAX_CONCURRENT_RUNS: '1', MAX_QUEUED_RUNS: '1' } });
    expect((await s.deliver('r_1', 'deploy')).status).toBe(202); // running
    expect((await s.deliver('r_2', 'deploy')).status).toBe(202); // queued: the queue is now full
    const fresh = await s.deliver('r_3', 'deploy');
    expect([fresh.status, fresh.body]).toEqual([503, { ok: false, error: 'queue_full' }]);
    const again = await s.deliver('r_2', 'deploy');
    expect([again.status, again.body]).toEqual([200, { ok: true, runId: 'r_2', duplicate: true }]);
    release();
    await until(() => s.store.get('r_2')?.state === 'finished', 'queued run finished');
  });
});
