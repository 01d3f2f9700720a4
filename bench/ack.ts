// Ack benchmark (`npm run bench:ack`): how long a delivery waits for its 202 while the service is busy
// running and reporting earlier runs. Paced, open-loop load (lib/paced.ts: a saturating load, or
// autocannon's per-second quota, would measure its own queue), every delivery a run of the reporter benchmark's handler (an entity upsert, three log lines,
// the final status) with 20 ms simulated latency on every Port request, so the slots, the outbox and the
// journal are all at work while the acks are timed. Target: ack p99 < 20 ms (median over rounds).
// Env: BENCH_ACK_RATE (150 deliveries/s), BENCH_ROUNDS (5), BENCH_ROUND_SECONDS (3), BENCH_CONNECTIONS (16),
// BENCH_LATENCY_MS (20).
import { runPaced } from './lib/paced.js';
import { envNumber, isMain, progress } from './lib/main.js';
import { waitDrained } from './lib/promText.js';
import { startStack } from './lib/stack.js';
import { fmt, fmtRange, summarize, type Summary } from './lib/stats.js';

export const ACK_P99_TARGET_MS = 20;

export interface AckOptions {
  ratePerSec: number;
  rounds: number;
  roundSeconds: number;
  connections: number;
  latencyMs: number;
}

export interface AckResult {
  options: AckOptions;
  p50Ms: Summary;
  p99Ms: Summary;
  deliveriesPerSec: Summary;
  problems: string[];
}

export function ackOptionsFromEnv(): AckOptions {
  return {
    ratePerSec: envNumber('BENCH_ACK_RATE', 150),
    rounds: envNumber('BENCH_ROUNDS', 5),
    roundSeconds: envNumber('BENCH_ROUND_SECONDS', 3),
    connections: envNumber('BENCH_CONNECTIONS', 16),
    latencyMs: envNumber('BENCH_LATENCY_MS', 20),
  };
}

export async function runAck(opts: AckOptions = ackOptionsFromEnv()): Promise<AckResult> {
  const stack = await startStack({ simLatencyMs: opts.latencyMs, serviceEnv: { MAX_CONCURRENT_RUNS: '16' } });
  const problems: string[] = [];
  try {
    const load = (durationS: number) =>
      runPaced({ url: stack.service.url, secret: stack.secret, action: 'bench_report', durationS, connections: opts.connections, ratePerSec: opts.ratePerSec });
    progress('ack: warm-up 1 s');
    await load(1);
    await waitDrained(stack.service.url, 60_000);
    const p50: number[] = [];
    const p99: number[] = [];
    const rate: number[] = [];
    for (let i = 1; i <= opts.rounds; i++) {
      // Runs of the previous round keep executing and reporting into this one: the service stays busy.
      const r = await load(opts.roundSeconds);
      const other = Object.entries(r.byStatus).filter(([status]) => status !== '202');
      if (other.length || r.errors) problems.push(`round ${i}: ${[...other.map(([s, n]) => `${n}×${s}`), ...(r.errors ? [`${r.errors} errors`] : [])].join(', ')}`);
      p50.push(r.p50Ms);
      p99.push(r.p99Ms);
      rate.push(r.deliveriesPerSec);
      progress(`ack round ${i}/${opts.rounds}: ${fmt(r.deliveriesPerSec)}/s, ack p50 ${fmt(r.p50Ms, 1)} ms, p99 ${fmt(r.p99Ms, 1)} ms`);
    }
    await waitDrained(stack.service.url, 60_000);
    return { options: opts, p50Ms: summarize(p50), p99Ms: summarize(p99), deliveriesPerSec: summarize(rate), problems };
  } finally {
    await stack.stop();
  }
}

export function formatAck(r: AckResult): string {
  const o = r.options;
  const met = r.p99Ms.median < ACK_P99_TARGET_MS ? 'met' : 'not met';
  return [
    `ack: ${o.rounds} rounds × ${o.roundSeconds} s at ${o.ratePerSec} deliveries/s (paced), ${o.connections} connections; each run 1 entity upsert + 3 logs + final status at ${o.latencyMs} ms Port latency`,
    `  deliveries/s           ${fmtRange(r.deliveriesPerSec)}`,
    `  ack p50 (ms)           ${fmtRange(r.p50Ms, 1)}`,
    `  ack p99 (ms)           ${fmtRange(r.p99Ms, 1)}   (target < ${ACK_P99_TARGET_MS} ms: ${met})`,
    ...(r.problems.length ? [`  non-202 answers: ${r.problems.join('; ')}`] : []),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatAck(await runAck()));
}
