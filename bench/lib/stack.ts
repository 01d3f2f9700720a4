// The full stack for a benchmark: the Port simulator and the service, each in its own child process, the
// service configured as in production (JSON logs at info, the journal on a temp DATA_DIR) with the bench
// handlers of bench/handlers/.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTarget, type Target } from './child.js';

export interface StackOptions {
  /** Simulated Port latency per request (the simulator's fault injection). */
  simLatencyMs?: number;
  /** Extra service environment (MAX_CONCURRENT_RUNS, MAX_QUEUED_RUNS, …). */
  serviceEnv?: Record<string, string>;
  /** Only the service writes a V8 CPU profile, into this directory, when it exits. */
  serviceProfileDir?: string;
  /** The service from another build: that checkout's dist-bench/bench/targets/serve.js. */
  serviceServeScript?: string;
}

export interface Stack {
  service: Target;
  simulator: Target;
  /** The webhook signing secret (the client secret). */
  secret: string;
  dataDir: string;
  stop(opts?: { kill?: boolean }): Promise<void>;
}

/** The compiled bench handlers (dist-bench/bench/handlers), loaded as plain .js by the service. */
export const BENCH_HANDLERS_DIR = fileURLToPath(new URL('../handlers/', import.meta.url));

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const secret = newSecret();
  const clientId = 'bench-client';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'port-runner-bench-'));
  const simulator = await startTarget('simulator', {
    BENCH_SECRET: secret,
    BENCH_CLIENT_ID: clientId,
    BENCH_SIM_LATENCY_MS: String(opts.simLatencyMs ?? 0),
  });
  let service: Target;
  try {
    service = await startTarget('service', {
      NODE_ENV: 'production',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      HANDLERS_DIR: BENCH_HANDLERS_DIR,
      PORT_CLIENT_ID: clientId,
      PORT_CLIENT_SECRET: secret,
      PORT_API_URL: simulator.url,
      // Load rounds must measure ingest, not the queue cap: accepted runs may pile up while Port catches up.
      MAX_QUEUED_RUNS: '1000000',
      ...opts.serviceEnv,
    }, undefined, opts.serviceProfileDir, opts.serviceServeScript);
  } catch (err) {
    await simulator.kill();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    service,
    simulator,
    secret,
    dataDir,
    stop: async ({ kill = false } = {}) => {
      if (kill) await service.kill();
      else await service.stop(15_000);
      await simulator.stop(5_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
