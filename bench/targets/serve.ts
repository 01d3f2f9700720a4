// Child-process entry for benchmark targets: `node dist-bench/bench/targets/serve.js <target>`, started by
// lib/child.ts. Configuration comes from the environment (BENCH_SECRET, BENCH_CLIENT_ID, and for the
// service the usual service variables).
import process from 'node:process';
import { startExpressFloor, startHttpFloor } from '../floors.js';
import { closeGate, releaseGate } from '../lib/gate.js';
import { startJournalHttpTarget } from './journalHttp.js';
import { startServiceTarget, startSimulatorTarget } from './service.js';

interface Running {
  url: string;
  stop(): Promise<void>;
  /** Target-specific figures for the parent (the simulator: requests per route, token requests, runs). */
  stats?(): unknown;
  /** The simulator: how many runs have reached a final status. */
  finals?(): number;
}

async function start(name: string): Promise<Running> {
  const secret = process.env.BENCH_SECRET ?? '';
  switch (name) {
    case 'floor-http':
      return startHttpFloor(secret);
    case 'floor-express':
      return startExpressFloor(secret);
    case 'simulator':
      return startSimulatorTarget(process.env);
    case 'service':
      return startServiceTarget(process.env);
    case 'journal-http':
      return startJournalHttpTarget(process.env);
    default:
      throw new Error(`unknown target ${name}`);
  }
}

function send(msg: object): void {
  process.send?.(msg);
}

try {
  const running = await start(process.argv[2] ?? '');
  process.on('message', (msg: { cmd?: string }) => {
    if (msg.cmd === 'rss') {
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'rss', rss, heapUsed });
    } else if (msg.cmd === 'stats') {
      send({ type: 'stats', stats: running.stats?.() ?? null });
    } else if (msg.cmd === 'clock') {
      // Monotonic µs, the clock of V8's CPU profile: lets the parent cut a profile to a load window.
      const { user, system } = process.cpuUsage();
      send({ type: 'clock', us: Number(process.hrtime.bigint() / 1000n), cpuUs: user + system });
    } else if (msg.cmd === 'finals') {
      send({ type: 'finals', finals: running.finals?.() ?? 0 });
    } else if (msg.cmd === 'release') {
      releaseGate();
    } else if (msg.cmd === 'park') {
      closeGate();
    } else if (msg.cmd === 'stop') {
      running.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  // The parent went away (crashed or was interrupted): do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: running.url });
} catch (err) {
  send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
}
