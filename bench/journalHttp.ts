// Group commit over HTTP (`node dist-bench/bench/journalHttp.js`): signed deliveries per second of the bare
// node:http floor and of the same floor journaling every delivery through the async SQLite store before
// its 202 (targets/journalHttp.ts), once per commit mode and once as main's adapter did it ('before'), each target in its own process, rounds
// interleaved with the order rotated every round, medians. Unlike journal.ts's in-process loop, the
// deliveries arrive in separate I/O callbacks, so this is where 'microtask' and 'turn' differ.
// Env: BENCH_ROUNDS (5), BENCH_ROUND_SECONDS (2), BENCH_WARMUP_SECONDS (1), BENCH_CONNECTIONS (16),
// BENCH_BODY_BYTES.
import { randomBytes } from 'node:crypto';
import { GROUP_VARIANTS, GROUP_VARIANT_LABELS, type GroupVariant } from './groupCommit.js';
import { startTarget, type Target } from './lib/child.js';
import { deliveryBody } from './lib/delivery.js';
import { describeProblems, runLoad } from './lib/load.js';
import { envNumber, isMain, progress } from './lib/main.js';
import { fmt, fmtRange, summarize } from './lib/stats.js';

export interface JournalHttpOptions {
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  connections: number;
}

type Name = 'floor' | GroupVariant;

export interface JournalHttpResult {
  options: JournalHttpOptions;
  deliveryBytes: number;
  /** Deliveries per second, one sample per round. */
  perSec: Record<Name, number[]>;
  /** Journaled / floor, per round. */
  ratio: Record<GroupVariant, number[]>;
  /** Deliveries per commit over the measured rounds. */
  batch: Record<GroupVariant, number>;
  p99Ms: Record<Name, number[]>;
  problems: string[];
}

export function journalHttpOptionsFromEnv(): JournalHttpOptions {
  return {
    rounds: envNumber('BENCH_ROUNDS', 5),
    roundSeconds: envNumber('BENCH_ROUND_SECONDS', 2),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1),
    connections: envNumber('BENCH_CONNECTIONS', 16),
  };
}

export async function runJournalHttpBench(opts: JournalHttpOptions = journalHttpOptionsFromEnv()): Promise<JournalHttpResult> {
  const secret = randomBytes(16).toString('hex');
  const names: Name[] = ['floor', ...GROUP_VARIANTS];
  const targets = new Map<Name, Target>();
  const problems: string[] = [];
  try {
    targets.set('floor', await startTarget('floor-http', { BENCH_SECRET: secret }));
    for (const v of GROUP_VARIANTS) targets.set(v, await startTarget('journal-http', { BENCH_SECRET: secret, BENCH_COMMIT: v }));
    const load = async (name: Name, durationS: number) => {
      const r = await runLoad({ url: targets.get(name)!.url, secret, action: 'bench_succeed', durationS, connections: opts.connections });
      const issues = describeProblems(r);
      if (issues) problems.push(`${name}: ${issues}`);
      return r;
    };
    for (const n of names) await load(n, opts.warmupSeconds);
    problems.length = 0;
    const stats = async (v: GroupVariant) => (await targets.get(v)!.stats<{ commits: number; accepted: number }>()) ?? { commits: 0, accepted: 0 };
    const start = Object.fromEntries(await Promise.all(GROUP_VARIANTS.map(async (v) => [v, await stats(v)]))) as Record<GroupVariant, { commits: number; accepted: number }>;
    const perSec = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
    const p99Ms = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
    for (let i = 0; i < opts.rounds; i++) {
      const order = names.map((_, j) => names[(i + j) % names.length]);
      for (const n of order) {
        const r = await load(n, opts.roundSeconds);
        perSec[n].push(r.deliveriesPerSec);
        p99Ms[n].push(r.latencyP99Ms);
      }
      progress(`journal http round ${i + 1}/${opts.rounds}: ${names.map((n) => `${n} ${fmt(perSec[n][i])}/s`).join(', ')}`);
    }
    const batch = {} as Record<GroupVariant, number>;
    for (const v of GROUP_VARIANTS) {
      const end = await stats(v);
      batch[v] = (end.accepted - start[v].accepted) / Math.max(1, end.commits - start[v].commits);
    }
    const ratio = Object.fromEntries(GROUP_VARIANTS.map((v) => [v, perSec[v].map((x, i) => x / perSec.floor[i])])) as Record<GroupVariant, number[]>;
    return { options: opts, deliveryBytes: Buffer.byteLength(deliveryBody('r_bXXXXXXXXXXXX', 'bench_succeed')), perSec, ratio, batch, p99Ms, problems };
  } finally {
    for (const t of targets.values()) await t.stop(5_000);
  }
}

export function formatJournalHttp(r: JournalHttpResult): string {
  const o = r.options;
  const med = (xs: number[]) => summarize(xs).median;
  return [
    `journal over HTTP: node:http floor vs the floor + sqliteAsyncStore.accept before each 202, ${o.connections} connections, ` +
      `${r.deliveryBytes}-byte signed deliveries, ${o.rounds} interleaved rounds × ${o.roundSeconds} s`,
    `  deliveries/s (min / median / max), / floor per round (min / median / max), deliveries per commit, p99 ms (median)`,
    `    ${'bare node:http floor'.padEnd(56)} ${fmtRange(summarize(r.perSec.floor))}   p99 ${fmt(med(r.p99Ms.floor), 1)}`,
    ...GROUP_VARIANTS.map(
      (v) =>
        `    ${GROUP_VARIANT_LABELS[v].padEnd(56)} ${fmtRange(summarize(r.perSec[v]))}   ${fmtRange(summarize(r.ratio[v]), 2)}   ` +
        `${fmt(r.batch[v], 1)}   p99 ${fmt(med(r.p99Ms[v]), 1)}`,
    ),
    ...(r.problems.length ? [`  non-202 answers: ${r.problems.join('; ')}`] : []),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatJournalHttp(await runJournalHttpBench()));
}
