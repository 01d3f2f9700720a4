// Runs a benchmark target (a floor, the simulator, the service) in its own process, so the load generator
// (autocannon, in the parent) and the target do not share an event loop, and the target's RSS is its own.
// Protocol over IPC: the child sends {type:'ready', url} or {type:'failed', message}; it answers
// {cmd:'rss'} with {type:'rss', rss, heapUsed} and {cmd:'stats'} with {type:'stats', stats}; {cmd:'release'}
// and {cmd:'park'} open and close the bench gate (lib/gate.ts); {cmd:'stop'} stops the target and exits.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type TargetName = 'floor-http' | 'floor-express' | 'simulator' | 'service' | 'journal-http';

export interface Target {
  name: TargetName;
  url: string;
  pid: number;
  memory(): Promise<{ rss: number; heapUsed: number }>;
  /** The target's own figures (see targets/serve.ts), null when it has none. */
  stats<T = unknown>(): Promise<T | null>;
  /** The target's monotonic clock in µs (the clock its CPU profile uses). */
  clock(): Promise<number>;
  /** CPU time (user + system, µs) the target has used so far: CPU per delivery is steadier than rate on a busy machine. */
  cpu(): Promise<number>;
  /** The simulator: runs that have reached a final status so far (cheap enough to poll). */
  finals(): Promise<number>;
  /** Opens the bench gate: parked runs (handlers/park.ts) proceed. */
  release(): void;
  /** Closes the bench gate again: runs started from now on park. */
  park(): void;
  /** Asks the target to stop, then kills it if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'failed'; message: string }
  | { type: 'rss'; rss: number; heapUsed: number }
  | { type: 'stats'; stats: unknown }
  | { type: 'clock'; us: number; cpuUs: number }
  | { type: 'finals'; finals: number };

const SERVE = fileURLToPath(new URL('../targets/serve.js', import.meta.url));
const STDERR_TAIL = 4000;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * `serveScript`: another build's targets/serve.js (a before/after comparison runs the other build's service
 * from its own dist-bench).
 */
/** The service runs with the node flags `npm start` and the Dockerfile give it; BENCH_SERVICE_NODE_FLAGS=none drops them. */
const SERVICE_NODE_FLAGS = process.env.BENCH_SERVICE_NODE_FLAGS === 'none' ? [] : ['--max-semi-space-size=32'];

export async function startTarget(name: TargetName, env: Record<string, string>, startTimeoutMs = 30_000, cpuProfileDir?: string, serveScript = SERVE): Promise<Target> {
  // BENCH_CPU_PROF_DIR=<dir>: every target writes a V8 CPU profile there when it exits (open in Chrome DevTools).
  const profileDir = cpuProfileDir ?? process.env.BENCH_CPU_PROF_DIR;
  const child = fork(serveScript, [name], {
    execArgv: [...(name === 'service' ? SERVICE_NODE_FLAGS : []), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    // Only what we pass: a developer's shell PORT_* variables must not leak into the measured service.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    // The service logs every run at info, as in production; the log goes to /dev/null, the cost stays.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${startTimeoutMs} ms\n${stderr}`));
    }, startTimeoutMs);
    child.on('message', (msg: ChildMessage) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve(msg.url);
      } else if (msg.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${name} failed to start: ${msg.message}\n${stderr}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during startup (code ${code}, signal ${signal})\n${stderr}`));
    });
  });

  const ask = <T extends ChildMessage['type']>(cmd: string, type: T) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (msg: ChildMessage) => {
        if (msg.type !== type) return;
        child.off('message', onMessage);
        resolve(msg as Extract<ChildMessage, { type: T }>);
      };
      child.on('message', onMessage);
      if (!child.connected) reject(new Error(`${name}: IPC channel closed`));
      else child.send({ cmd });
    });

  const kill = async () => {
    child.kill('SIGKILL');
    await exited(child);
  };
  return {
    name,
    url,
    pid: child.pid ?? -1,
    memory: async () => {
      const { rss, heapUsed } = await ask('rss', 'rss');
      return { rss, heapUsed };
    },
    stats: async <T,>() => (await ask('stats', 'stats')).stats as T | null,
    clock: async () => (await ask('clock', 'clock')).us,
    cpu: async () => (await ask('clock', 'clock')).cpuUs,
    finals: async () => (await ask('finals', 'finals')).finals,
    release: () => {
      child.send({ cmd: 'release' });
    },
    park: () => {
      child.send({ cmd: 'park' });
    },
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ cmd: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    },
    kill,
  };
}
