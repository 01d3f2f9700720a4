// Group commit in process (`node dist-bench/bench/groupCommit.js`): the async SQLite store with C
// deliveries in flight (each awaits its call, then the next one starts, as C connections would), per
// commit mode, rounds interleaved with the order rotated every round, medians. Two loads:
//   accepts  — accept() alone, what the ingress path journals before each 202;
//   lifecycle — a run's whole journal life: accept, claim, 3 log appends (each awaited, as a handler
//               makes them), final status with its outbox op, the delivery receipt (7 writes per run).
// Env: BENCH_GROUP_ROUNDS (5), BENCH_GROUP_ROUND_SECONDS (1), BENCH_GROUP_INFLIGHT (16).
// In one process the callers of a turn all continue in the same microtask checkpoint, so 'microtask'
// batches as well as 'turn' here; journalHttp.ts shows the difference once deliveries arrive as I/O.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AsyncRunStore, NewRun } from '../src/journal/asyncStore.js';
import { sqliteAsyncStore, type CommitMode } from '../src/journal/sqliteAsyncStore.js';
import { openSqliteStore, type SqliteRunStore } from '../src/journal/sqliteStore.js';
import type { Invocation } from '../src/normalize/invocation.js';
import { deliveryBody, runIdSource } from './lib/delivery.js';
import { envNumber, isMain, progress } from './lib/main.js';
import { fmt, fmtRange, summarize } from './lib/stats.js';

/** 'before': the adapter on main before group commit (duplicate check, then the insert in its own commit). */
export type GroupVariant = 'before' | CommitMode;
export const GROUP_VARIANTS: readonly GroupVariant[] = ['before', 'each', 'microtask', 'turn'];
export const GROUP_VARIANT_LABELS: Record<GroupVariant, string> = {
  before: 'before: a commit per accept (main)',
  each: "commit 'each' (a commit per call)",
  microtask: "commit 'microtask' (per microtask checkpoint)",
  turn: "commit 'turn' (per event-loop turn, default)",
};

export type GroupLoad = 'accepts' | 'lifecycle';

export interface GroupCommitOptions {
  rounds: number;
  roundSeconds: number;
  inflight: number;
}

export interface GroupLoadResult {
  load: GroupLoad;
  variants: readonly GroupVariant[];
  /** Accepts (or whole runs) per second, one sample per round, by variant. */
  perSec: Partial<Record<GroupVariant, number[]>>;
  /** Committed transactions per accept (or per run) over the measured rounds. */
  commitsPer: Partial<Record<GroupVariant, number>>;
  /** turn / each, per round. */
  turnOverEach: number[];
}

export interface GroupCommitResult {
  options: GroupCommitOptions;
  accepts: GroupLoadResult;
  lifecycle: GroupLoadResult;
}

export function groupCommitOptionsFromEnv(): GroupCommitOptions {
  return {
    rounds: envNumber('BENCH_GROUP_ROUNDS', 5),
    roundSeconds: envNumber('BENCH_GROUP_ROUND_SECONDS', 1),
    inflight: envNumber('BENCH_GROUP_INFLIGHT', 16),
  };
}

interface Subject {
  store: AsyncRunStore;
  commits: () => number;
  close(): void;
}

/** A journal of its own in a temp dir, counting the transactions it commits. */
export function openBenchJournal(variant: GroupVariant, prefix = 'port-runner-group-bench'): Subject {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-${variant}-`));
  const sync = openSqliteStore({ dataDir: dir });
  let commits = 0;
  const counted: SqliteRunStore = {
    ...sync,
    transaction: (fn) => {
      if (!sync.database.inTransaction) commits++;
      return sync.transaction(fn);
    },
  };
  // Only accept differs on main's adapter; its other calls committed one by one, as 'each' does.
  const grouped = sqliteAsyncStore({ store: counted, commit: variant === 'before' ? 'each' : variant });
  const store: AsyncRunStore =
    variant === 'before'
      ? {
          ...grouped,
          async accept(run: NewRun, at: number, maxQueued: number) {
            commits++; // autocommit: one per insert
            if (sync.stateOf(run.runId) !== undefined) return 'duplicate';
            if (maxQueued > 0 && sync.countRuns('queued') >= maxQueued) return 'full';
            return sync.accept(run, at) ? 'accepted' : 'duplicate';
          },
        }
      : grouped;
  return {
    store,
    commits: () => commits,
    close: () => {
      sync.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function benchInvocation(): Invocation {
  const payload = JSON.parse(deliveryBody('r_bXXXXXXXXXXXX', 'bench_succeed')) as { payload: { properties: Record<string, unknown> } };
  return { runId: '', action: 'bench_succeed', blueprint: 'service', inputs: payload.payload.properties, entity: null, trigger: null, payload };
}

/** One delivery (or one run's whole journal life) on `store`. */
async function once(load: GroupLoad, store: AsyncRunStore, base: Invocation, runId: string): Promise<void> {
  const answer = await store.accept({ runId, action: 'bench_succeed', invocation: { ...base, runId }, synchronized: false }, Date.now(), 0);
  if (answer !== 'accepted') throw new Error(`journal answered ${answer} for ${runId}`);
  if (load === 'accepts') return;
  if ((await store.claim(runId, 'w', Date.now())) !== 'started') throw new Error(`claim of ${runId} did not start it`);
  const seqs: number[] = [];
  for (let i = 1; i <= 3; i++) seqs.push(await store.appendOp(runId, { kind: 'log', message: `step ${i}` }, Date.now(), 'w'));
  await store.recordFinal(runId, { status: 'SUCCESS', label: null }, { kind: 'final', status: 'SUCCESS' }, Date.now(), 'w');
  const owed = await store.pendingOps(runId);
  await store.completeOps(runId, owed.map((e) => e.seq), { ok: true }, Date.now());
}

/** `inflight` lanes for `seconds`: each starts its next delivery (run) once the last one is journaled. */
async function loadFor(
  load: GroupLoad,
  store: AsyncRunStore,
  seconds: number,
  inflight: number,
  base: Invocation,
  nextRunId: () => string,
): Promise<{ rate: number; done: number }> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const lane = async () => {
    while (performance.now() < until) {
      await once(load, store, base, nextRunId());
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inflight }, lane));
  return { rate: done / ((performance.now() - started) / 1000), done };
}

async function runLoadKind(load: GroupLoad, variants: readonly GroupVariant[], opts: GroupCommitOptions): Promise<GroupLoadResult> {
  const subjects = new Map(variants.map((v) => [v, openBenchJournal(v)]));
  try {
    const nextRunId = runIdSource();
    const base = benchInvocation();
    for (const v of variants) await loadFor(load, subjects.get(v)!.store, 0.3, opts.inflight, base, nextRunId); // warm-up (JIT)
    const perSec: Partial<Record<GroupVariant, number[]>> = {};
    const done: Partial<Record<GroupVariant, number>> = {};
    const commits0 = new Map(variants.map((v) => [v, subjects.get(v)!.commits()]));
    for (let i = 0; i < opts.rounds; i++) {
      // Rotated every round, so no variant always runs first (or right after another's checkpoint).
      for (let j = 0; j < variants.length; j++) {
        const v = variants[(i + j) % variants.length];
        const r = await loadFor(load, subjects.get(v)!.store, opts.roundSeconds, opts.inflight, base, nextRunId);
        (perSec[v] ??= []).push(r.rate);
        done[v] = (done[v] ?? 0) + r.done;
      }
      progress(`group commit (${load}) round ${i + 1}/${opts.rounds}: ${variants.map((v) => `${v} ${fmt(perSec[v]![i])}/s`).join(', ')}`);
    }
    const commitsPer: Partial<Record<GroupVariant, number>> = {};
    for (const v of variants) commitsPer[v] = (subjects.get(v)!.commits() - commits0.get(v)!) / Math.max(1, done[v] ?? 0);
    const each = perSec.each ?? [];
    return { load, variants, perSec, commitsPer, turnOverEach: (perSec.turn ?? []).map((x, i) => x / each[i]) };
  } finally {
    for (const s of subjects.values()) s.close();
  }
}

export async function runGroupCommitBench(opts: GroupCommitOptions = groupCommitOptionsFromEnv()): Promise<GroupCommitResult> {
  return {
    options: opts,
    accepts: await runLoadKind('accepts', GROUP_VARIANTS, opts),
    // main's adapter committed a run's other writes one by one too: 'each' stands for it here.
    lifecycle: await runLoadKind('lifecycle', ['each', 'microtask', 'turn'], opts),
  };
}

export function formatGroupCommit(r: GroupCommitResult): string {
  const o = r.options;
  const section = (x: GroupLoadResult, unit: string) => [
    `  ${x.load === 'accepts' ? 'accept() alone' : 'a run\'s journal life (7 writes)'}: ${unit}/s (min / median / max), commits per ${unit.replace(/s$/, '')}`,
    ...x.variants.map((v) => `    ${GROUP_VARIANT_LABELS[v].padEnd(48)} ${fmtRange(summarize(x.perSec[v] ?? []))}   ${fmt(x.commitsPer[v] ?? Number.NaN, 3)}`),
    `    turn / each, per round ${fmtRange(summarize(x.turnOverEach), 2)}`,
  ];
  return [
    `group commit in process: sqliteAsyncStore on a fresh SQLite file (WAL), ${o.inflight} in flight, ${o.rounds} interleaved rounds × ${o.roundSeconds} s`,
    ...section(r.accepts, 'accepts'),
    ...section(r.lifecycle, 'runs'),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatGroupCommit(await runGroupCommitBench()));
}
