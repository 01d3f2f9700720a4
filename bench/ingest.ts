// Ingest benchmark (`npm run bench:ingest`): signed deliveries per second through POST /webhook of the full
// service (journal on, as always; a handler that succeeds at once) against two floors, a bare node:http
// server and a bare Express 5 route (floors.ts). Targets run interleaved, round after round, each in its
// own process, with autocannon in this one. After each service round the service drains (queue, runs,
// outbox to the simulator) before the next target runs, so its backlog does not steal their CPU.
// A fourth, diagnostic target splits the cost: the same service whose runs are parked during the round
// (handlers/park.ts) answers deliveries with no run executing or reporting meanwhile ("ingest only");
// its runs are released and drained after the round.
// BENCH_BASELINE=<another checkout, after its `npm run bench:build`> adds that build's service, full and with
// runs parked, measured in the same rounds (each pair swaps order every round): a before/after in one run.
// Env: BENCH_ROUNDS (5), BENCH_ROUND_SECONDS (3), BENCH_WARMUP_SECONDS (1), BENCH_CONNECTIONS (16).
import path from 'node:path';
import { startTarget, type Target } from './lib/child.js';
import { deliveryBody } from './lib/delivery.js';
import { describeProblems, runLoad, type LoadResult } from './lib/load.js';
import { envNumber, isMain, progress } from './lib/main.js';
import { waitDrained } from './lib/promText.js';
import { startStack, type Stack } from './lib/stack.js';
import { fmt, fmtRange, summarize, type Summary } from './lib/stats.js';

export interface IngestOptions {
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  connections: number;
}

export interface IngestRound {
  http: number;
  express: number;
  service: number;
  /** The service while its runs are parked: the ingress path alone. */
  ingestOnly: number;
  /** service / express floor, service / http floor. */
  ratioExpress: number;
  ratioHttp: number;
  ingestOnlyRatioExpress: number;
  /** CPU µs per delivery: the Express floor, the service with its runs parked. */
  expressCpuUs: number;
  ingestOnlyCpuUs: number;
  /** BENCH_BASELINE's service with its runs parked: rate, ratio to the Express floor, CPU µs per delivery. */
  baselineIngestOnly?: number;
  baselineIngestOnlyRatioExpress?: number;
  baselineIngestOnlyCpuUs?: number;
  /** BENCH_BASELINE's full service: rate and ratio to the Express floor. */
  baselineService?: number;
  baselineRatioExpress?: number;
  /** How long the service took to finish reporting the round's runs after the load stopped (ms). */
  drainMs: number | null;
}

export interface IngestResult {
  options: IngestOptions;
  deliveryBytes: number;
  rounds: IngestRound[];
  http: Summary;
  express: Summary;
  service: Summary;
  ingestOnly: Summary;
  ratioExpress: Summary;
  ratioHttp: Summary;
  ingestOnlyRatioExpress: Summary;
  /** BENCH_BASELINE's service, runs parked: its checkout and figures. */
  baseline?: { dir: string; service: Summary; ratioExpress: Summary; ingestOnly: Summary; ingestOnlyRatioExpress: Summary; ingestOnlyCpuUs: Summary };
  /** CPU µs per delivery, Express floor and runs parked (steadier than rates on a shared machine). */
  expressCpuUs: Summary;
  ingestOnlyCpuUs: Summary;
  /** Anything but 202 that came back (a benchmark with rejections measures the wrong thing). */
  problems: string[];
}

export function ingestOptionsFromEnv(): IngestOptions {
  return {
    rounds: envNumber('BENCH_ROUNDS', 5),
    roundSeconds: envNumber('BENCH_ROUND_SECONDS', 3),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1),
    connections: envNumber('BENCH_CONNECTIONS', 16),
  };
}

/** A load round and the CPU time the target spent per delivery in it. */
type Loaded = LoadResult & { cpuUsPerDelivery: number };

const ACTION = 'bench_succeed';
const PARK_ACTION = 'bench_park';
const DRAIN_TIMEOUT_MS = 60_000;

/** Measures ours and, when there is one, the baseline's: the baseline first in even rounds. */
async function besideBaseline<T>(round: number, measure: (s: Stack) => Promise<T>, ours: Stack, baseline: Stack | null): Promise<[T, T | undefined]> {
  if (baseline && round % 2 === 0) {
    const theirs = await measure(baseline);
    return [await measure(ours), theirs];
  }
  const mine = await measure(ours);
  return [mine, baseline ? await measure(baseline) : undefined];
}

export async function runIngest(opts: IngestOptions = ingestOptionsFromEnv()): Promise<IngestResult> {
  const stack = await startStack();
  const targets: Target[] = [];
  const problems: string[] = [];
  let parked: Stack | null = null;
  let baseline: Stack | null = null;
  let baselineFull: Stack | null = null;
  const baselineDir = process.env.BENCH_BASELINE;
  try {
    parked = await startStack({ serviceEnv: { MAX_CONCURRENT_RUNS: '16' } });
    if (baselineDir) {
      const serviceServeScript = path.resolve(baselineDir, 'dist-bench/bench/targets/serve.js');
      baseline = await startStack({ serviceEnv: { MAX_CONCURRENT_RUNS: '16' }, serviceServeScript });
      baselineFull = await startStack({ serviceServeScript });
    }
    const stacks = [stack, parked, ...(baseline ? [baseline] : []), ...(baselineFull ? [baselineFull] : [])];
    const parkedStacks = baseline ? [parked, baseline] : [parked];
    const floorEnv = { BENCH_SECRET: stack.secret };
    const http = await startTarget('floor-http', floorEnv);
    targets.push(http);
    const express = await startTarget('floor-express', floorEnv);
    targets.push(express);

    const load = async (target: Target, durationS: number): Promise<Loaded> => {
      const parkedStack = parkedStacks.find((s) => s.service === target);
      const secret = stacks.find((s) => s.service === target)?.secret ?? stack.secret;
      const cpuBefore = await target.cpu();
      const r = await runLoad({ url: target.url, secret, action: parkedStack ? PARK_ACTION : ACTION, durationS, connections: opts.connections });
      const cpuUsPerDelivery = (await target.cpu() - cpuBefore) / Math.max(1, r.delivered);
      const issues = describeProblems(r);
      const name = parkedStack === baseline && baseline ? 'baseline (runs parked)' : parkedStack ? 'service (runs parked)' : target === baselineFull?.service ? 'baseline' : target.name;
      if (issues) problems.push(`${name}: ${issues}`);
      return { ...r, cpuUsPerDelivery };
    };
    const drain = async (s: Stack = stack) => waitDrained(s.service.url, DRAIN_TIMEOUT_MS);
    /** The full service of `s`, then its drain (ms). */
    const loadFull = async (s: Stack, durationS: number): Promise<Loaded & { drainMs: number | null }> => {
      const r = await load(s.service, durationS);
      return { ...r, drainMs: await drain(s) };
    };
    /** Load with runs parked, then release them and wait until they are reported. */
    const loadParked = async (s: Stack, durationS: number): Promise<Loaded> => {
      const r = await load(s.service, durationS);
      s.service.release();
      await waitDrained(s.service.url, DRAIN_TIMEOUT_MS);
      s.service.park();
      return r;
    };

    progress(`ingest: warm-up ${opts.warmupSeconds} s per target`);
    for (const t of [http, express]) await load(t, opts.warmupSeconds);
    for (const s of baselineFull ? [stack, baselineFull] : [stack]) await loadFull(s, opts.warmupSeconds);
    for (const s of parkedStacks) await loadParked(s, opts.warmupSeconds);
    problems.length = 0; // warm-up (JIT, first token) does not count

    const rounds: IngestRound[] = [];
    for (let i = 1; i <= opts.rounds; i++) {
      const h = await load(http, opts.roundSeconds);
      const e = await load(express, opts.roundSeconds);
      const [s, bs] = await besideBaseline(i, (x) => loadFull(x, opts.roundSeconds), stack, baselineFull);
      const { drainMs } = s;
      const [p, b] = await besideBaseline(i, (x) => loadParked(x, opts.roundSeconds), parked, baseline);
      const round: IngestRound = {
        http: h.deliveriesPerSec,
        express: e.deliveriesPerSec,
        service: s.deliveriesPerSec,
        ingestOnly: p.deliveriesPerSec,
        ratioExpress: s.deliveriesPerSec / e.deliveriesPerSec,
        ratioHttp: s.deliveriesPerSec / h.deliveriesPerSec,
        ingestOnlyRatioExpress: p.deliveriesPerSec / e.deliveriesPerSec,
        drainMs,
        expressCpuUs: e.cpuUsPerDelivery,
        ingestOnlyCpuUs: p.cpuUsPerDelivery,
        ...(b
          ? { baselineIngestOnly: b.deliveriesPerSec, baselineIngestOnlyRatioExpress: b.deliveriesPerSec / e.deliveriesPerSec, baselineIngestOnlyCpuUs: b.cpuUsPerDelivery }
          : {}),
        ...(bs ? { baselineService: bs.deliveriesPerSec, baselineRatioExpress: bs.deliveriesPerSec / e.deliveriesPerSec } : {}),
      };
      rounds.push(round);
      progress(
        `ingest round ${i}/${opts.rounds}: http ${fmt(round.http)}/s, express ${fmt(round.express)}/s, ` +
          `service ${fmt(round.service)}/s (${fmt(round.ratioExpress, 2)} of express; drained in ${round.drainMs ?? 'n/a'} ms), ` +
          `ingest only ${fmt(round.ingestOnly)}/s (${fmt(round.ingestOnlyRatioExpress, 2)}); CPU µs per delivery: express ${fmt(e.cpuUsPerDelivery)}, ` +
          `ingest only ${fmt(p.cpuUsPerDelivery)}` +
          (bs ? `; baseline service ${fmt(bs.deliveriesPerSec)}/s (${fmt(round.baselineRatioExpress ?? 0, 2)})` : '') +
          (b ? `; baseline ingest only ${fmt(b.deliveriesPerSec)}/s (${fmt(round.baselineIngestOnlyRatioExpress ?? 0, 2)}), ${fmt(b.cpuUsPerDelivery)} µs` : ''),
      );
    }
    return {
      options: opts,
      deliveryBytes: Buffer.byteLength(deliveryBody('r_bXXXXXXXXXXXX', ACTION)),
      rounds,
      http: summarize(rounds.map((r) => r.http)),
      express: summarize(rounds.map((r) => r.express)),
      service: summarize(rounds.map((r) => r.service)),
      ingestOnly: summarize(rounds.map((r) => r.ingestOnly)),
      ratioExpress: summarize(rounds.map((r) => r.ratioExpress)),
      ratioHttp: summarize(rounds.map((r) => r.ratioHttp)),
      ingestOnlyRatioExpress: summarize(rounds.map((r) => r.ingestOnlyRatioExpress)),
      expressCpuUs: summarize(rounds.map((r) => r.expressCpuUs)),
      ingestOnlyCpuUs: summarize(rounds.map((r) => r.ingestOnlyCpuUs)),
      ...(baselineDir
        ? {
            baseline: {
              dir: baselineDir,
              service: summarize(rounds.map((r) => r.baselineService ?? 0)),
              ratioExpress: summarize(rounds.map((r) => r.baselineRatioExpress ?? 0)),
              ingestOnly: summarize(rounds.map((r) => r.baselineIngestOnly ?? 0)),
              ingestOnlyRatioExpress: summarize(rounds.map((r) => r.baselineIngestOnlyRatioExpress ?? 0)),
              ingestOnlyCpuUs: summarize(rounds.map((r) => r.baselineIngestOnlyCpuUs ?? 0)),
            },
          }
        : {}),
      problems,
    };
  } finally {
    for (const t of targets) await t.stop(5_000);
    await stack.stop();
    // Parked runs would only be finalized "interrupted" at shutdown: kill, the journal is a temp dir.
    await parked?.stop({ kill: true });
    await baseline?.stop({ kill: true });
    await baselineFull?.stop();
  }
}

export function formatIngest(r: IngestResult): string {
  const o = r.options;
  return [
    `ingest: ${o.rounds} interleaved rounds × ${o.roundSeconds} s per target, ${o.connections} connections, ${r.deliveryBytes}-byte signed deliveries`,
    `  deliveries/s (min / median / max)`,
    `    bare node:http floor   ${fmtRange(r.http)}`,
    `    bare Express 5 floor   ${fmtRange(r.express)}`,
    `    full service (journal) ${fmtRange(r.service)}`,
    `  full / Express floor     ${fmtRange(r.ratioExpress, 2)}   (target ≥ 0.40)`,
    `  full / node:http floor   ${fmtRange(r.ratioHttp, 2)}`,
    `  diagnostic: service with its runs parked (ingress path alone) ${fmtRange(r.ingestOnly)}/s, ` +
      `${fmtRange(r.ingestOnlyRatioExpress, 2)} of the Express floor (target ≥ 0.85)`,
    `  CPU µs per delivery: Express floor ${fmtRange(r.expressCpuUs)}, runs parked ${fmtRange(r.ingestOnlyCpuUs)}`,
    ...(r.baseline
      ? [`  baseline (${r.baseline.dir}): full service ${fmtRange(r.baseline.service)}/s, ${fmtRange(r.baseline.ratioExpress, 2)} of the Express floor; runs parked: ${fmtRange(r.baseline.ingestOnly)}/s, ${fmtRange(r.baseline.ingestOnlyRatioExpress, 2)} of the Express floor, ${fmtRange(r.baseline.ingestOnlyCpuUs)} CPU µs per delivery`]
      : []),
    ...(r.problems.length ? [`  non-202 answers: ${r.problems.join('; ')}`] : []),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runIngest();
  console.log(formatIngest(result));
}
