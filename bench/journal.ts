// Journal write latency: store.accept() (what every accepted delivery costs before its 202) timed one by
// one on a fresh SQLite journal in a temp directory. Env: BENCH_JOURNAL_INSERTS (10000).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../src/journal/sqliteStore.js';
import type { Invocation } from '../src/normalize/invocation.js';
import { deliveryBody, runIdSource } from './lib/delivery.js';
import { envNumber, isMain } from './lib/main.js';
import { fmt, summarize, type Summary } from './lib/stats.js';

export interface JournalResult {
  inserts: number;
  /** Microseconds per accept(). */
  latencyUs: Summary;
  insertsPerSec: number;
}

const WARMUP = 200;

export function runJournalBench(inserts = envNumber('BENCH_JOURNAL_INSERTS', 10_000)): JournalResult {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'port-runner-journal-bench-'));
  const store = openSqliteStore({ dataDir: dir });
  try {
    const nextRunId = runIdSource();
    const invocation = (runId: string): Invocation => {
      const payload = JSON.parse(deliveryBody(runId, 'bench_succeed')) as { payload: { properties: Record<string, unknown> } };
      return { runId, action: 'bench_succeed', blueprint: 'service', inputs: payload.payload.properties, entity: null, trigger: null, payload };
    };
    for (let i = 0; i < WARMUP; i++) {
      const runId = nextRunId();
      store.accept({ runId, action: 'bench_succeed', invocation: invocation(runId), synchronized: false }, Date.now());
    }
    const samples = new Array<number>(inserts);
    const started = process.hrtime.bigint();
    for (let i = 0; i < inserts; i++) {
      const runId = nextRunId();
      const run = { runId, action: 'bench_succeed', invocation: invocation(runId), synchronized: false };
      const t0 = process.hrtime.bigint();
      const fresh = store.accept(run, Date.now());
      samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
      if (!fresh) throw new Error(`journal reported ${runId} as a duplicate`);
    }
    const totalS = Number(process.hrtime.bigint() - started) / 1e9;
    return { inserts, latencyUs: summarize(samples), insertsPerSec: inserts / totalS };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatJournal(r: JournalResult): string {
  const l = r.latencyUs;
  return [
    `journal: ${fmt(r.inserts)} × store.accept() on a fresh SQLite file (WAL)`,
    `  write latency µs: p50 ${fmt(l.p50, 1)}, p99 ${fmt(l.p99, 1)}, max ${fmt(l.max, 1)}; ${fmt(r.insertsPerSec)} writes/s`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatJournal(runJournalBench()));
}
