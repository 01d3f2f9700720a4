// Ingest benchmark (`npm run bench:ingest`): signed deliveries per second through POST /webhook of the full
// service (journal on, as always; a handler that succeeds at once) against two floors, a bare node:http
// server and a bare Express 5 route (floors.ts). Targets run interleaved, round after round, each in its
// own process, with autocannon in this one. After each service round the service drains (queue, runs,
// outbox to the simulator) before the next target runs, so its backlog does not steal their CPU.
// A fourth, diagnostic target splits the cost: the same service whose runs are parked during the round
// (handlers/park.ts) answers deliveries with no run executing or reporting meanwhile ("ingest only");
// its runs are released and drained after the round.
// Env: BENCH_ROUNDS (5), BENCH_ROUND_SECONDS (3), BENCH_WARMUP_SECONDS (1), BENCH_CONNECTIONS (16).
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

const ACTION = 'bench_succeed';
const PARK_ACTION = 'bench_park';
const DRAIN_TIMEOUT_MS = 60_000;

export async function runIngest(opts: IngestOptions = ingestOptionsFromEnv()): Promise<IngestResult> {
  const stack = await startStack();
  const targets: Target[] = [];
  const problems: string[] = [];
  let parked: Awaited<ReturnType<typeof startStack>> | null = null;
  try {
    parked = await startStack({ serviceEnv: { MAX_CONCURRENT_RUNS: '16' } });
    const parkedService = parked.service;
    const floorEnv = { BENCH_SECRET: stack.secret };
    const http = await startTarget('floor-http', floorEnv);
    targets.push(http);
    const express = await startTarget('floor-express', floorEnv);
    targets.push(express);

    const load = async (target: Target, durationS: number): Promise<LoadResult> => {
      const isParked = target === parkedService;
      const secret = isParked ? (parked as Stack).secret : stack.secret;
      const r = await runLoad({ url: target.url, secret, action: isParked ? PARK_ACTION : ACTION, durationS, connections: opts.connections });
      const issues = describeProblems(r);
      if (issues) problems.push(`${isParked ? 'service (runs parked)' : target.name}: ${issues}`);
      return r;
    };
    const drain = async () => waitDrained(stack.service.url, DRAIN_TIMEOUT_MS);
    const drainParked = async () => {
      parkedService.release();
      await waitDrained(parkedService.url, DRAIN_TIMEOUT_MS);
      parkedService.park();
    };

    progress(`ingest: warm-up ${opts.warmupSeconds} s per target`);
    for (const t of [http, express, stack.service, parkedService]) await load(t, opts.warmupSeconds);
    await drain();
    await drainParked();
    problems.length = 0; // warm-up (JIT, first token) does not count

    const rounds: IngestRound[] = [];
    for (let i = 1; i <= opts.rounds; i++) {
      const h = await load(http, opts.roundSeconds);
      const e = await load(express, opts.roundSeconds);
      const s = await load(stack.service, opts.roundSeconds);
      const drainMs = await drain();
      const p = await load(parkedService, opts.roundSeconds);
      await drainParked();
      const round: IngestRound = {
        http: h.deliveriesPerSec,
        express: e.deliveriesPerSec,
        service: s.deliveriesPerSec,
        ingestOnly: p.deliveriesPerSec,
        ratioExpress: s.deliveriesPerSec / e.deliveriesPerSec,
        ratioHttp: s.deliveriesPerSec / h.deliveriesPerSec,
        ingestOnlyRatioExpress: p.deliveriesPerSec / e.deliveriesPerSec,
        drainMs,
      };
      rounds.push(round);
      progress(
        `ingest round ${i}/${opts.rounds}: http ${fmt(round.http)}/s, express ${fmt(round.express)}/s, ` +
          `service ${fmt(round.service)}/s (${fmt(round.ratioExpress, 2)} of express; drained in ${round.drainMs ?? 'n/a'} ms), ` +
          `ingest only ${fmt(round.ingestOnly)}/s (${fmt(round.ingestOnlyRatioExpress, 2)})`,
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
      problems,
    };
  } finally {
    for (const t of targets) await t.stop(5_000);
    await stack.stop();
    // Parked runs would only be finalized "interrupted" at shutdown: kill, the journal is a temp dir.
    await parked?.stop({ kill: true });
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
    `  full / Express floor     ${fmtRange(r.ratioExpress, 2)}   (target ≥ 0.85; with the journal ≥ 0.80)`,
    `  full / node:http floor   ${fmtRange(r.ratioHttp, 2)}`,
    `  diagnostic: service with its runs parked (ingress path alone) ${fmtRange(r.ingestOnly)}/s, ` +
      `${fmtRange(r.ingestOnlyRatioExpress, 2)} of the Express floor`,
    ...(r.problems.length ? [`  non-202 answers: ${r.problems.join('; ')}`] : []),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runIngest();
  console.log(formatIngest(result));
}
