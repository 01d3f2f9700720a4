// Everything the run page shows about one run, gathered from the simulator: the run as Port keeps it,
// the requests the service made for it, the entities tied to it as they are now, and the writes Port
// refused (with Port's reason).
import type { PortSimulator } from '../simulator.js';
import type { EntityTie, RequestRecord, SimEntity, SimRun } from '../types.js';
import type { DeliveryState, PageState } from './pageState.js';

export interface TiedEntity extends EntityTie {
  /** The entity as the catalog has it now; null once deleted. */
  current: SimEntity | null;
}

export interface RunDetails {
  run: SimRun;
  /** From creation to the final status; null while in progress. */
  durationMs: number | null;
  requests: RequestRecord[];
  entities: TiedEntity[];
  refused: RequestRecord[];
  delivery: DeliveryState | undefined;
  /** The action's title from its definition in the simulator. */
  actionTitle: string | null;
}

export function isFinal(run: SimRun): boolean {
  return run.status === 'SUCCESS' || run.status === 'FAILURE';
}

export function durationOf(run: SimRun): number | null {
  return run.endedAt ? Date.parse(run.endedAt) - Date.parse(run.createdAt) : null;
}

/** A request belongs to a run when its path names the run or it writes an entity with `run_id`. */
export function requestsFor(sim: PortSimulator, runId: string): RequestRecord[] {
  const prefix = `/v1/actions/runs/${encodeURIComponent(runId)}`;
  return sim.recorder.requests().filter((r) => r.path === prefix || r.path.startsWith(`${prefix}/`) || r.query.run_id === runId);
}

/** Refused for good: a 4xx that is neither an auth refresh (401) nor rate limiting (a simulated refusal counts, a simulated outage does not). */
export function isRefused(r: RequestRecord): boolean {
  return r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 408 && r.status !== 429 && (!r.fault || r.fault === 'refuse-final');
}

export function runDetails(state: PageState, runId: string): RunDetails | null {
  const run = state.sim.run(runId);
  if (!run) return null;
  const requests = requestsFor(state.sim, runId);
  return {
    run,
    durationMs: durationOf(run),
    requests,
    entities: run.entities.map((tie) => ({ ...tie, current: state.sim.entity(tie.blueprint, tie.identifier) ?? null })),
    refused: requests.filter(isRefused),
    delivery: state.delivery(runId),
    actionTitle: state.sim.action(run.action.identifier)?.title ?? null,
  };
}
