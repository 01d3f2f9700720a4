// Reporter benchmark (`npm run bench:reporter`): N runs, each one entity upsert + 3 log lines + the final
// status (handlers/report.ts), with the simulator adding fixed latency to every Port request and the
// service running P runs in parallel. Wall time from the first delivery to the last report delivered,
// against the ideal: calls × latency / parallelism. Port calls and token requests are counted by the
// simulator (what Port would see). Env: BENCH_REPORTER_RUNS (1000), BENCH_LATENCY_MS (20), BENCH_PARALLEL (16).
import { describeProblems, runLoad } from './lib/load.js';
import { envNumber, isMain, progress, sleep } from './lib/main.js';
import { scrape, sumMetric, pendingWork } from './lib/promText.js';
import { startStack } from './lib/stack.js';
import { fmt } from './lib/stats.js';
import type { SimulatorStats } from './targets/service.js';

export interface ReporterOptions {
  runs: number;
  latencyMs: number;
  parallel: number;
}

export interface ReporterResult {
  options: ReporterOptions;
  wallMs: number;
  /** runs × CALLS_PER_RUN × latency / parallel. */
  idealMs: number;
  wallOverIdeal: number;
  /** Port requests per run, token requests excluded. */
  callsPerRun: number;
  callsByRoute: Record<string, number>;
  tokenRequests: number;
  tokenRequestsPer1000Runs: number;
  runsByStatus: Record<string, number>;
  logsPerRun: number;
  entityTiesPerRun: number;
  violations: number;
  problems: string;
}

/** What the handler asks for: 1 entity upsert + 3 logs + 1 final status. */
export const CALLS_PER_RUN = 5;
const TOKEN_ROUTE = 'POST /v1/auth/access_token';
const FINISH_TIMEOUT_MS = 120_000;

export function reporterOptionsFromEnv(): ReporterOptions {
  return {
    runs: envNumber('BENCH_REPORTER_RUNS', 1000),
    latencyMs: envNumber('BENCH_LATENCY_MS', 20),
    parallel: envNumber('BENCH_PARALLEL', 16),
  };
}

export async function runReporterBench(opts: ReporterOptions = reporterOptionsFromEnv()): Promise<ReporterResult> {
  const stack = await startStack({ simLatencyMs: opts.latencyMs, serviceEnv: { MAX_CONCURRENT_RUNS: String(opts.parallel) } });
  try {
    const started = Date.now();
    const load = await runLoad({ url: stack.service.url, secret: stack.secret, action: 'bench_report', amount: opts.runs, connections: 16 });
    // Finished = every run has its final status at Port and nothing is owed to Port any more. Port's count
    // is polled (cheap, in the simulator); the service's /metrics only once Port has them all: a scrape
    // computes the process metrics, and scraping every 20 ms took a tenth of the measured service's CPU.
    for (;;) {
      if (Date.now() - started > FINISH_TIMEOUT_MS) throw new Error(`reporter bench: runs not finished within ${FINISH_TIMEOUT_MS} ms`);
      if ((await stack.simulator.finals()) >= load.delivered) {
        const text = await scrape(stack.service.url);
        const finished = text === null ? null : sumMetric(text, 'port_runner_runs_finished_total');
        const pending = await pendingWork(stack.service.url);
        if (finished === null || pending === null) throw new Error('reporter bench: the service has no /metrics to watch');
        if (finished >= load.delivered && pending === 0) break;
      }
      await sleep(5);
    }
    const wallMs = Date.now() - started;
    const stats = await stack.simulator.stats<SimulatorStats>();
    if (!stats) throw new Error('reporter bench: the simulator gave no stats');
    const callsByRoute = Object.fromEntries(Object.entries(stats.counts).filter(([route]) => route !== TOKEN_ROUTE));
    const calls = Object.values(callsByRoute).reduce((a, b) => a + b, 0);
    const runs = Math.max(1, load.delivered);
    const idealMs = (opts.runs * CALLS_PER_RUN * opts.latencyMs) / opts.parallel;
    progress(`reporter: ${fmt(load.delivered)} runs in ${fmt(wallMs)} ms (ideal ${fmt(idealMs)} ms)`);
    return {
      options: opts,
      wallMs,
      idealMs,
      wallOverIdeal: wallMs / idealMs,
      callsPerRun: calls / runs,
      callsByRoute,
      tokenRequests: stats.tokenRequests,
      tokenRequestsPer1000Runs: (stats.tokenRequests * 1000) / runs,
      runsByStatus: stats.runs.byStatus,
      logsPerRun: stats.runs.logs / runs,
      entityTiesPerRun: stats.runs.entityTies / runs,
      violations: stats.violations,
      problems: describeProblems(load),
    };
  } finally {
    await stack.stop();
  }
}

export function formatReporter(r: ReporterResult): string {
  const o = r.options;
  return [
    `reporter: ${fmt(o.runs)} runs × (1 entity upsert + 3 logs + final status), ${o.latencyMs} ms Port latency, ${o.parallel} runs in parallel`,
    `  wall ${fmt(r.wallMs)} ms vs ideal ${fmt(r.idealMs)} ms (calls × latency / parallelism): ${fmt(r.wallOverIdeal, 2)}× ideal`,
    `  Port calls per run ${fmt(r.callsPerRun, 2)} (handler asked for ${CALLS_PER_RUN}); token requests ${fmt(r.tokenRequests)} ` +
      `(${fmt(r.tokenRequestsPer1000Runs, 1)} per 1,000 runs)`,
    `  calls by route: ${Object.entries(r.callsByRoute)
      .map(([route, n]) => `${route} ${fmt(n)}`)
      .join(', ')}`,
    `  Port saw: runs ${JSON.stringify(r.runsByStatus)}, ${fmt(r.logsPerRun, 2)} logs and ${fmt(r.entityTiesPerRun, 2)} entity ties per run, ` +
      `${r.violations} contract violations`,
    ...(r.problems ? [`  non-202 answers: ${r.problems}`] : []),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatReporter(await runReporterBench()));
}
