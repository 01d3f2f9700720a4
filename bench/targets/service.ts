// The full-stack targets, run inside a child process (targets/serve.ts). CONTRACT DEPENDENCIES:
//   startService({ env }) → { url, stop() }                          src/server.ts
//   startSimulator({ port: 0, clientId, clientSecret }) → { url, sim, close() }   src/simulator/index.ts
//   sim.routes (Port operations by `METHOD /template`), sim.createRun({ action, runId }), sim.setLatency(ms)
import { startService } from '../../src/server.js';
import { startSimulator } from '../../src/simulator/index.js';

type Env = Record<string, string | undefined>;

/** Run ids the benchmarks make up start with this (lib/delivery.ts); only those are auto-created. */
export const BENCH_RUN_PREFIX = 'r_b';

export async function startServiceTarget(env: Env): Promise<{ url: string; stop(): Promise<void> }> {
  const service = await startService({ env });
  return { url: service.url, stop: () => service.stop() };
}

/**
 * The Port simulator, strict as usual, except that a run the benchmark made up is created the first time
 * the service touches it: real Port creates the run before it sends the webhook, and pre-creating an
 * unknown number of runs per load round is not possible from autocannon's synchronous request hook.
 */
export interface SimulatorStats {
  /** Requests per `METHOD /template`. */
  counts: Record<string, number>;
  tokenRequests: number;
  /** Runs by status, with the logs and entity ties Port recorded. */
  runs: { total: number; byStatus: Record<string, number>; logs: number; entityTies: number };
  violations: number;
}

export async function startSimulatorTarget(env: Env): Promise<{ url: string; stop(): Promise<void>; stats(): SimulatorStats; finals(): number }> {
  const simulator = await startSimulator({
    port: 0,
    clientId: env.BENCH_CLIENT_ID ?? '',
    clientSecret: env.BENCH_SECRET ?? '',
  });
  const { sim } = simulator;
  const seen = new Set<string>();
  // Runs that reached a final status, counted as they do: cheaper to poll than stats() (which copies every run).
  const ended = new Set<string>();
  const finalRoutes = new Set(['PATCH /v1/actions/runs/{run_id}', 'POST /v1/actions/runs/{run_id}/logs']);
  for (const [key, route] of Object.entries(sim.routes)) {
    const canEnd = finalRoutes.has(key);
    sim.routes[key] = (ctx) => {
      const runId = ctx.params.run_id ?? (typeof ctx.query.run_id === 'string' ? ctx.query.run_id : undefined);
      if (runId && runId.startsWith(BENCH_RUN_PREFIX) && !seen.has(runId)) {
        seen.add(runId);
        if (sim.runStatus(runId) === undefined) sim.createRun({ action: env.BENCH_ACTION ?? 'bench', blueprint: 'service', runId });
      }
      const answer = route(ctx);
      const status = canEnd && runId && !ended.has(runId) ? sim.runStatus(runId) : undefined;
      if (status === 'SUCCESS' || status === 'FAILURE') ended.add(runId!);
      return answer;
    };
  }
  const latency = Number(env.BENCH_SIM_LATENCY_MS ?? '0');
  if (latency > 0) sim.setLatency(latency);
  const stats = (): SimulatorStats => {
    const runs = sim.runs();
    const byStatus: Record<string, number> = {};
    let logs = 0;
    let entityTies = 0;
    for (const run of runs) {
      byStatus[run.status] = (byStatus[run.status] ?? 0) + 1;
      logs += run.logs.length;
      entityTies += run.entities.length;
    }
    return { counts: sim.counts(), tokenRequests: sim.tokenRequests, runs: { total: runs.length, byStatus, logs, entityTies }, violations: sim.violations().length };
  };
  return { url: simulator.url, stop: () => simulator.close(), stats, finals: () => ended.size };
}
