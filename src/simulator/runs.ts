// Action runs as Port keeps them: start IN_PROGRESS, take one final status (PATCH status or a log with
// terminationStatus), and refuse every write after that with 422.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { FinalStatus, RunLogBody, RunPatch } from '../port/types.js';
import { notFound, runFinished } from './simError.js';
import type { EntityTie, SimRun, SimRunLog } from './types.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Port-looking ids: a prefix and 16 alphanumerics (`r_Q0YotCZMKxDLdlaU`). */
export function portId(prefix: string): string {
  return prefix + Array.from(randomBytes(16), (b) => ALNUM[b % ALNUM.length]).join('');
}

export interface CreateRunInput {
  action: string;
  actionTitle?: string;
  blueprint?: string | null;
  properties?: Record<string, unknown>;
  /** The entity identifier of a day-2 action. */
  entity?: string | null;
  runId?: string;
  source?: 'UI' | 'API' | 'AUTOMATION';
}

export class SimRuns {
  private readonly runs = new Map<string, SimRun>();

  constructor(private readonly clock: Clock) {}

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  create(input: CreateRunInput): SimRun {
    const id = input.runId ?? portId('r_');
    if (this.runs.has(id)) throw new Error(`run ${id} already exists`);
    const at = this.iso();
    const run: SimRun = {
      id,
      action: { identifier: input.action, title: input.actionTitle ?? null },
      blueprint: input.blueprint ? { identifier: input.blueprint } : null,
      entity: input.entity ? { identifier: input.entity } : null,
      properties: input.properties ?? {},
      status: 'IN_PROGRESS',
      statusLabel: null,
      link: null,
      summary: null,
      externalRunId: null,
      endedAt: null,
      createdAt: at,
      updatedAt: at,
      source: input.source ?? 'API',
      payload: null,
      response: null,
      logs: [],
      entities: [],
      rejectedWrites: [],
    };
    this.runs.set(id, run);
    return run;
  }

  find(runId: string): SimRun | undefined {
    return this.runs.get(runId);
  }

  get(runId: string): SimRun {
    const run = this.runs.get(runId);
    if (!run) throw notFound(`Action run with identifier "${runId}"`);
    return run;
  }

  all(): SimRun[] {
    return [...this.runs.values()];
  }

  /** A write is allowed only while the run is open; a refused one is remembered for inspection. */
  private open(runId: string, kind: 'patch' | 'log' | 'entity', body: unknown): SimRun {
    const run = this.get(runId);
    if (run.endedAt !== null || run.status !== 'IN_PROGRESS') {
      run.rejectedWrites.push({ kind, at: this.iso(), body });
      throw runFinished(runId);
    }
    return run;
  }

  private finish(run: SimRun, status: FinalStatus): void {
    run.status = status;
    run.endedAt = this.iso();
  }

  patch(runId: string, body: RunPatch): SimRun {
    const run = this.open(runId, 'patch', body);
    if (body.statusLabel !== undefined) run.statusLabel = body.statusLabel;
    if (body.link !== undefined) run.link = body.link; // Port overwrites: the last list sent is the list
    if (body.summary !== undefined) run.summary = body.summary;
    if (body.externalRunId !== undefined) run.externalRunId = body.externalRunId;
    if (body.status !== undefined) this.finish(run, body.status);
    run.updatedAt = this.iso();
    return run;
  }

  addLog(runId: string, body: RunLogBody): SimRunLog {
    const run = this.open(runId, 'log', body);
    const log: SimRunLog = {
      id: portId('rl_'),
      runId,
      message: body.message,
      terminationStatus: body.terminationStatus ?? null,
      statusLabel: body.statusLabel ?? null,
      createdBy: 'sim-machine',
      createdAt: this.iso(),
    };
    run.logs.push(log);
    if (body.statusLabel !== undefined) run.statusLabel = body.statusLabel;
    if (body.terminationStatus !== undefined) this.finish(run, body.terminationStatus);
    run.updatedAt = log.createdAt;
    return log;
  }

  /** Checks a `run_id` before an entity write: unknown → 404, finished → 422. */
  assertTieable(runId: string, body: unknown): void {
    this.open(runId, 'entity', body);
  }

  tie(runId: string, tie: Omit<EntityTie, 'at'>): void {
    this.get(runId).entities.push({ ...tie, at: this.iso() });
  }

  /** What Port does for a synchronized run: the webhook's answer decides the status. */
  settleSynchronized(runId: string, httpStatus: number, response: unknown): boolean {
    const run = this.get(runId);
    run.response = response;
    if (run.endedAt !== null) return false;
    const ok = httpStatus >= 200 && httpStatus < 300;
    if (!ok) run.summary = `Failed to invoke the webhook with status code: ${httpStatus}.`;
    this.finish(run, ok ? 'SUCCESS' : 'FAILURE');
    run.updatedAt = run.endedAt ?? run.updatedAt;
    return true;
  }

  clear(): void {
    this.runs.clear();
  }
}
