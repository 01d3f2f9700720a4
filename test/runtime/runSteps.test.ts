import { describe, expect, it } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { openSqliteStepJournal } from '../../src/journal/sqliteStepJournal.js';
import type { StepJournal } from '../../src/journal/stepJournal.js';
import { openRunSteps } from '../../src/runtime/runSteps.js';

const signal = new AbortController().signal;

function journal(): StepJournal {
  return openSqliteStepJournal(openSqliteStore({ path: ':memory:' }).database);
}

const open = (j: StepJournal, over: Partial<Parameters<typeof openRunSteps>[0]> = {}) =>
  openRunSteps({ runId: 'r1', journal: j, resumable: true, reexecution: false, maxResultBytes: 262_144, clock: systemClock, logger: silentLogger(), ...over });

describe('ctx.step', () => {
  it('when a run is executed again, then finished steps return their journaled result without calling fn, falsy results included', async () => {
    const j = journal();
    const first = await open(j);
    const values = [0, false, null, '', undefined, { a: [1, 'x'] }];
    for (const [i, v] of values.entries()) expect(await first.step(`s${i}`, () => v, signal)).toEqual(v);

    const again = await open(j, { reexecution: true });
    expect(again.finishedBefore).toBe(values.length);
    let calls = 0;
    for (const [i, v] of values.entries()) {
      expect(await again.step(`s${i}`, () => {
        calls++;
        return 'fresh';
      }, signal)).toEqual(v);
    }
    expect(calls).toBe(0);
  });

  it('when a step throws, then it is not journaled as done and runs again next time', async () => {
    const j = journal();
    const first = await open(j);
    await expect(first.step('flaky', () => Promise.reject(new Error('boom')), signal)).rejects.toThrow('boom');
    const again = await open(j, { reexecution: true });
    expect(await again.step('flaky', () => 'ok', signal)).toBe('ok');
  });

  it('when the same key is used twice in one execution, then the second call fails naming the key', async () => {
    const steps = await open(journal());
    await steps.step('once', () => 1, signal);
    await expect(steps.step('once', () => 2, signal)).rejects.toMatchObject({ code: 'step_failed', message: "step 'once' is used twice in this run: each step needs its own key" });
  });

  it('when a result is not JSON-serializable, then the step fails naming the key and nothing is journaled', async () => {
    const j = journal();
    const steps = await open(j);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(steps.step('cycle', () => cyclic, signal)).rejects.toMatchObject({ code: 'step_failed', message: expect.stringMatching(/^step 'cycle': its result is not JSON-serializable/) });
    await expect(steps.step('fn', () => ({ f: () => 1 }), signal)).rejects.toThrow(/^step 'fn': its result is not JSON-serializable \(a function is not JSON\)/);
    await expect(steps.step('map', () => new Map(), signal)).rejects.toThrow(/^step 'map': .*a Map is not JSON/);
    expect((await j.finishedSteps('r1')).size).toBe(0);
  });

  it('when a result is larger than STEP_RESULT_MAX_BYTES, then the step fails naming the key and the limit', async () => {
    const steps = await open(journal(), { maxResultBytes: 10 });
    await expect(steps.step('big', () => 'x'.repeat(20), signal)).rejects.toThrow("step 'big': its result is 22 bytes of JSON, more than STEP_RESULT_MAX_BYTES=10");
    expect(await steps.step('small', () => 'x', signal)).toBe('x');
  });

  it('when the run is stopping, then a new step does not start', async () => {
    const stop = new AbortController();
    stop.abort(new Error('stopping'));
    const steps = await open(journal());
    let called = false;
    await expect(steps.step('late', () => (called = true), stop.signal)).rejects.toThrow('stopping');
    expect(called).toBe(false);
  });
});

describe('report identities', () => {
  it('when reports are made at top level and inside steps, then each is named by its scope and position; a paused execution reports nothing', async () => {
    const steps = await open(journal());
    const ids: Array<string | null> = [];
    ids.push(steps.replay!.next()!.callId);
    await steps.step('a', async () => {
      ids.push(steps.replay!.next()!.callId);
      ids.push(steps.replay!.next()!.callId);
    }, signal);
    ids.push(steps.replay!.next()!.callId);
    expect(ids).toEqual(['top#0', 'step:a#0', 'step:a#1', 'top#1']);
    await steps.pause();
    expect(steps.replay!.next()).toBeNull();
  });

  it('when the handler is not resumable, then reports are not named (nothing to replay)', async () => {
    const steps = await open(journal(), { resumable: false });
    expect(steps.replay).toBeUndefined();
  });
});
