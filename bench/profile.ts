// CPU profile of the service under ingest load (`node dist-bench/bench/profile.js` after a bench build):
// the service with its runs parked (the ingress path alone), then the full service (runs executing and
// reporting to the simulator), each in its own child started with --cpu-prof; prints the busiest modules
// and frames by self time. Env: BENCH_ROUND_SECONDS (5), BENCH_CONNECTIONS (16), BENCH_BODY_BYTES,
// BENCH_CPU_PROF_DIR (where the profiles stay; default a temp dir).
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLoad } from './lib/load.js';
import { envNumber, isMain } from './lib/main.js';
import { waitDrained } from './lib/promText.js';
import { startStack } from './lib/stack.js';
import { summarizeProfile } from './lib/cpuProfile.js';

const TOP = 14;

interface Profiled {
  file: string;
  /** The measured load round, in the service's clock: the warm-up and the drain after it are cut off. */
  window: { fromUs: number; toUs: number };
  deliveriesPerSec: number;
}

async function profileService(kind: 'parked' | 'full', dir: string, seconds: number, connections: number): Promise<Profiled> {
  const stack = await startStack({ serviceEnv: { MAX_CONCURRENT_RUNS: '16' }, serviceProfileDir: dir });
  let window = { fromUs: 0, toUs: 0 };
  let deliveriesPerSec = 0;
  try {
    const action = kind === 'parked' ? 'bench_park' : 'bench_succeed';
    await runLoad({ url: stack.service.url, secret: stack.secret, action, durationS: 1, connections }); // warm-up
    const fromUs = await stack.service.clock();
    const r = await runLoad({ url: stack.service.url, secret: stack.secret, action, durationS: seconds, connections });
    window = { fromUs, toUs: await stack.service.clock() };
    deliveriesPerSec = r.deliveriesPerSec;
    stack.service.release();
    await waitDrained(stack.service.url, 60_000);
  } finally {
    await stack.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  return { file: path.join(dir, file), window, deliveriesPerSec };
}

export function formatProfile(kind: string, p: Profiled): string {
  const s = summarizeProfile(p.file, p.window);
  const line = (m: { module: string; ms: number; share: number }) => `    ${(m.share * 100).toFixed(1).padStart(5)}%  ${m.module}`;
  const seconds = (p.window.toUs - p.window.fromUs) / 1e6;
  return [
    `${kind}: ${Math.round(p.deliveriesPerSec)} deliveries/s; ${Math.round(s.total)} ms busy in ${seconds.toFixed(1)} s of load (${p.file})`,
    '  self time by module:',
    ...s.modules.slice(0, TOP).map(line),
    '  top frames:',
    ...s.frames.slice(0, TOP).map(line),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const root = process.env.BENCH_CPU_PROF_DIR || mkdtempSync(path.join(os.tmpdir(), 'port-runner-prof-'));
  const seconds = envNumber('BENCH_ROUND_SECONDS', 5);
  const connections = envNumber('BENCH_CONNECTIONS', 16);
  for (const kind of ['parked', 'full'] as const) {
    const dir = mkdtempSync(path.join(root, `${kind}-`));
    console.log(formatProfile(kind, await profileService(kind, dir, seconds, connections)));
  }
}
