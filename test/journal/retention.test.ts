import { afterEach, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sweepJournal } from '../../src/journal/retention.js';
import { JOURNAL_FILE, openSqliteStore, type SqliteRunStore } from '../../src/journal/sqliteStore.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import type { Invocation } from '../../src/normalize/invocation.js';

const DAY = 24 * 3600_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const dirs: string[] = [];
const stores: SqliteRunStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function open(): { store: SqliteRunStore; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-retention-'));
  dirs.push(dir);
  const store = openSqliteStore({ dataDir: dir });
  stores.push(store);
  return { store, dir };
}
function invocation(runId: string, padding = 0): Invocation {
  return { runId, action: 'deploy', blueprint: 'svc', inputs: { secret: 'enc:abc', pad: 'p'.repeat(padding) }, entity: null, trigger: { by: 'me' }, payload: { big: true } };
}
function finishedRun(store: SqliteRunStore, runId: string, finishedAt: number, opts: { synchronized?: boolean; padding?: number } = {}): void {
  store.accept({ runId, action: 'deploy', invocation: invocation(runId, opts.padding), synchronized: opts.synchronized ?? false }, finishedAt - 1000);
  store.markStarted(runId, finishedAt - 500);
  store.markFinished(runId, 'FAILURE', 'went wrong', finishedAt);
}
const sweep = (store: SqliteRunStore, metrics?: ReturnType<typeof createMetrics>) =>
  sweepJournal({ store, clock: { now: () => NOW }, logger: silentLogger(), metrics, retentionDays: 2, dedupeTtlHours: 240 });

describe('journal retention', () => {
  it('when WEBHOOK_TOLERANCE_SECONDS is longer than DEDUPE_TTL_HOURS, then a finished run is remembered until its delivery is stale, so a replay stays a duplicate', () => {
    const { store } = open();
    finishedRun(store, 'r_replayable', NOW - 2 * 3600_000); // its signed delivery still passes a 24 h window
    finishedRun(store, 'r_stale', NOW - 25 * 3600_000);
    const counts = sweepJournal({ store, clock: { now: () => NOW }, logger: silentLogger(), retentionDays: 2, dedupeTtlHours: 1, replayWindowSeconds: 86_400 });
    expect(counts).toMatchObject({ expired: 1 });
    expect(store.stateOf('r_replayable')).toBe('finished');
    expect(store.stateOf('r_stale')).toBeUndefined();
  });

  it('when runs finished past JOURNAL_RETENTION_DAYS, then their payload is dropped but id, action, status, label and times stay, and a redelivery is still a duplicate', () => {
    const { store } = open();
    finishedRun(store, 'r_old', NOW - 5 * DAY, { synchronized: true });
    store.recordResult('r_old', { url: 'x' });
    finishedRun(store, 'r_recent', NOW - 1 * DAY);
    store.accept({ runId: 'r_running', action: 'deploy', invocation: invocation('r_running'), synchronized: false }, NOW - 30 * DAY);
    store.markStarted('r_running', NOW - 30 * DAY);

    expect(sweep(store)).toMatchObject({ compacted: 1, expired: 0 });
    expect(store.get('r_old')).toEqual({
      runId: 'r_old',
      action: 'deploy',
      invocation: { runId: 'r_old', action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: null },
      synchronized: true,
      state: 'finished',
      acceptedAt: NOW - 5 * DAY - 1000,
      startedAt: NOW - 5 * DAY - 500,
      finishedAt: NOW - 5 * DAY,
      finalStatus: 'FAILURE',
      finalLabel: 'went wrong',
    });
    expect(store.get('r_recent')?.invocation).toEqual(invocation('r_recent'));
    expect(store.get('r_running')?.invocation).toEqual(invocation('r_running'));
    expect(store.accept({ runId: 'r_old', action: 'deploy', invocation: invocation('r_old'), synchronized: true }, NOW)).toBe(false);
    expect(sweep(store).compacted).toBe(0); // once is enough
  });

  it('when runs finished past DEDUPE_TTL_HOURS, then they are forgotten, except those with reports still owed to Port', () => {
    const { store } = open();
    finishedRun(store, 'r_expired', NOW - 12 * DAY);
    store.appendOp('r_expired', { kind: 'log', message: 'delivered' }, NOW - 12 * DAY);
    store.completeOps(store.pendingOps('r_expired').map((e) => e.seq), { ok: true }, NOW - 12 * DAY);
    finishedRun(store, 'r_owed', NOW - 12 * DAY);
    store.appendOp('r_owed', { kind: 'final', status: 'FAILURE', label: 'went wrong' }, NOW - 12 * DAY);

    expect(sweep(store)).toMatchObject({ expired: 1 });
    expect(store.get('r_expired')).toBeUndefined();
    expect(store.lastLog('r_expired')).toBeNull();
    expect(store.get('r_owed')).toMatchObject({ state: 'finished' });
    expect(store.pendingOps('r_owed')).toHaveLength(1);
  });

  it('when a sweep frees many pages, then the file shrinks (incremental vacuum) and the journal size is in the metrics', async () => {
    const { store } = open();
    for (let i = 0; i < 300; i++) finishedRun(store, `r_${i}`, NOW - 5 * DAY, { padding: 8000 });
    const before = store.size().bytes;
    const metrics = createMetrics({ defaultMetrics: false });
    const counts = sweep(store, metrics);
    expect(counts.compacted).toBe(300);
    expect(counts.bytes).toBeLessThan(before / 4);
    const values = (await metrics.journalBytes.get()).values;
    expect(values.find((v) => v.labels.kind === 'total')?.value).toBe(counts.bytes);
  });

  it('when readiness checks the journal many times, then nothing is written to it', () => {
    const { store, dir } = open();
    finishedRun(store, 'r_1', NOW);
    const wal = path.join(dir, `${JOURNAL_FILE}-wal`);
    const before = fs.statSync(wal).size;
    for (let i = 0; i < 50; i++) store.checkWritable();
    expect(fs.statSync(wal).size).toBe(before);
  });
});
