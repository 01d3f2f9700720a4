// Memory: the service's RSS idle, and with 10,000 accepted runs queued (MAX_CONCURRENT_RUNS=1 and a
// handler that waits until released, so all but one stay in the queue). The service runs in a child
// process, so the figure is its own. Env: BENCH_QUEUED_RUNS (10000).
import { runLoad, describeProblems } from './lib/load.js';
import { envNumber, isMain, MB, progress, sleep } from './lib/main.js';
import { scrape, sumMetric } from './lib/promText.js';
import { startStack } from './lib/stack.js';
import { fmt } from './lib/stats.js';

export interface MemoryResult {
  queuedRuns: number;
  idleRssMb: number;
  idleHeapMb: number;
  queuedRssMb: number;
  queuedHeapMb: number;
  /** (queued RSS - idle RSS) / queued runs. */
  bytesPerQueuedRun: number;
  accepted: number;
  /** The service's own queue depth gauge when measured (confirms the runs were queued, not finished). */
  queueDepth: number | null;
  problems: string;
}

const SETTLE_MS = 1000;

export async function runMemoryBench(queuedRuns = envNumber('BENCH_QUEUED_RUNS', 10_000)): Promise<MemoryResult> {
  const stack = await startStack({
    serviceEnv: { MAX_CONCURRENT_RUNS: '1', MAX_QUEUED_RUNS: String(Math.max(20_000, queuedRuns * 2)) },
  });
  try {
    await sleep(SETTLE_MS);
    const idle = await stack.service.memory();
    progress(`memory: idle RSS ${fmt(idle.rss / MB, 1)} MB; sending ${fmt(queuedRuns)} deliveries`);
    const load = await runLoad({ url: stack.service.url, secret: stack.secret, action: 'bench_park', amount: queuedRuns, connections: 16 });
    await sleep(SETTLE_MS);
    const queued = await stack.service.memory();
    const metrics = await scrape(stack.service.url);
    return {
      queuedRuns,
      idleRssMb: idle.rss / MB,
      idleHeapMb: idle.heapUsed / MB,
      queuedRssMb: queued.rss / MB,
      queuedHeapMb: queued.heapUsed / MB,
      bytesPerQueuedRun: (queued.rss - idle.rss) / Math.max(1, load.delivered),
      accepted: load.delivered,
      queueDepth: metrics === null ? null : sumMetric(metrics, 'port_runner_queue_depth'),
      problems: describeProblems(load),
    };
  } finally {
    // 10,000 blocked runs would only be finalized "interrupted" at shutdown: kill, the journal is a temp dir.
    await stack.stop({ kill: true });
  }
}

export function formatMemory(r: MemoryResult): string {
  return [
    `memory (service process RSS): idle ${fmt(r.idleRssMb, 1)} MB (heap ${fmt(r.idleHeapMb, 1)} MB); ` +
      `with ${fmt(r.accepted)} accepted runs queued ${fmt(r.queuedRssMb, 1)} MB (heap ${fmt(r.queuedHeapMb, 1)} MB), ` +
      `≈ ${fmt(r.bytesPerQueuedRun)} bytes per queued run; queue depth gauge ${r.queueDepth ?? 'n/a'}`,
    ...(r.problems ? [`  non-202 answers: ${r.problems}`] : []),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatMemory(await runMemoryBench()));
}
