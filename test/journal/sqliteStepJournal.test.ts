import { describe, expect, it } from '@jest/globals';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { openSqliteStepJournal } from '../../src/journal/sqliteStepJournal.js';

function open() {
  const store = openSqliteStore({ path: ':memory:' });
  const inv = (runId: string) => ({ runId, action: 'a', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} });
  store.accept({ runId: 'r1', action: 'a', invocation: inv('r1'), synchronized: false }, 1);
  return { store, journal: openSqliteStepJournal(store.database) };
}

describe('SQLite step journal', () => {
  it('when a step is recorded twice, then the first result stands', async () => {
    const { journal } = open();
    await journal.recordStep('r1', 'k', '1', 10);
    await journal.recordStep('r1', 'k', '2', 11);
    expect(await journal.finishedSteps('r1')).toEqual(new Map([['k', '1']]));
  });

  it('when ops carry call ids, then reportedCalls lists them with kept answers and the last link list', async () => {
    const { store, journal } = open();
    store.appendOp('r1', { kind: 'log', message: 'x', callId: '#0' }, 1);
    store.appendOp('r1', { kind: 'patch', body: { link: ['https://a'] }, callId: '#1' }, 1);
    store.appendOp('r1', { kind: 'patch', body: { link: ['https://a', 'https://b'] }, callId: 's#0' }, 1);
    store.appendOp('r1', { kind: 'log', message: 'untagged' }, 1);
    await journal.recordAnswer('r1', 's#0', '{"identifier":"e"}', 2);
    const calls = await journal.reportedCalls('r1');
    expect([...calls.answers.keys()].sort()).toEqual(['#0', '#1', 's#0']);
    expect(calls.answers.get('s#0')).toEqual({ answer: { identifier: 'e' } });
    expect(calls.answers.get('#0')).toEqual({});
    expect(calls.links).toEqual(['https://a', 'https://b']);
  });

  it('when resumes are noted, then they count up, keep the first start and clear the paused mark', async () => {
    const { journal } = open();
    expect(await journal.resumeState('r1')).toEqual({ resumes: 0, firstStartedAt: null, paused: false });
    await journal.notePaused('r1', 5);
    expect((await journal.resumeState('r1')).paused).toBe(true);
    expect(await journal.noteResume('r1', 100, 6)).toBe(1);
    expect(await journal.noteResume('r1', 200, 7)).toBe(2);
    expect(await journal.resumeState('r1')).toEqual({ resumes: 2, firstStartedAt: 100, paused: false });
  });

  it('when the run is compacted or forgotten by retention, then its steps go with it', async () => {
    const { store, journal } = open();
    await journal.recordStep('r1', 'k', '"secret"', 10);
    store.markFinished('r1', 'SUCCESS', null, 20);
    store.compactFinished(30, 40);
    expect((await journal.finishedSteps('r1')).size).toBe(0);
    await journal.recordStep('r1', 'k2', '1', 50);
    await journal.noteResume('r1', 1, 2);
    store.expireFinished(60);
    expect((await journal.finishedSteps('r1')).size).toBe(0);
    expect((await journal.resumeState('r1')).resumes).toBe(0);
  });
});
