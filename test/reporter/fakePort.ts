// An in-memory PortApi for reporter and outbox tests: records every call in order, answers like Port, and
// fails on demand (the next N calls of a method answer a status) with optional latency.
import type { TokenStatus } from '../../src/port/auth.js';
import { PortApiError } from '../../src/port/errors.js';
import type { BulkResult, EntityInput, PortApi, PortCallOptions, PortEntity, PortRun } from '../../src/port/types.js';

export type Method = Exclude<keyof PortApi, 'checkToken' | 'tokenStatus'>;

export interface Call {
  method: Method;
  runId: string | undefined;
  args: unknown[];
  opts: PortCallOptions | undefined;
}

export class FakePort implements PortApi {
  readonly calls: Call[] = [];
  latencyMs = 0;
  /** What getRun shows for a run (default IN_PROGRESS). */
  readonly runStatus = new Map<string, PortRun['status']>();
  inFlight = 0;
  maxInFlight = 0;
  private readonly failures = new Map<Method, Array<{ status: number; portError?: string }>>();

  /** The next `count` calls of `method` throw a PortApiError with `status`. */
  failNext(method: Method, count: number, status: number, portError?: string): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < count; i++) list.push({ status, portError });
    this.failures.set(method, list);
  }

  callsOf(method: Method): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  private async answer<T>(method: Method, args: unknown[], opts: PortCallOptions | undefined, value: () => T): Promise<T> {
    this.calls.push({ method, runId: opts?.runId, args, opts });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      else await Promise.resolve();
      const failure = this.failures.get(method)?.shift();
      if (failure) {
        throw new PortApiError({ status: failure.status, portError: failure.portError ?? null, message: `fake ${failure.status}`, route: method });
      }
      return value();
    } finally {
      this.inFlight--;
    }
  }

  private run(runId: string): PortRun {
    return { id: runId, status: this.runStatus.get(runId) ?? 'IN_PROGRESS', action: { identifier: 'test' }, properties: {} };
  }

  getRun(runId: string, opts?: PortCallOptions) {
    return this.answer('getRun', [runId], opts, () => this.run(runId));
  }
  patchRun(runId: string, body: unknown, opts?: PortCallOptions) {
    return this.answer('patchRun', [runId, body], opts, () => this.run(runId));
  }
  addRunLog(runId: string, body: unknown, opts?: PortCallOptions) {
    return this.answer('addRunLog', [runId, body], opts, () => undefined);
  }
  createEntity(blueprint: string, entity: EntityInput, query?: unknown, opts?: PortCallOptions) {
    return this.answer('createEntity', [blueprint, entity, query], opts, (): PortEntity => ({ ...entity, blueprint }) as PortEntity);
  }
  replaceEntity(blueprint: string, identifier: string, entity: EntityInput, query?: unknown, opts?: PortCallOptions) {
    return this.answer('replaceEntity', [blueprint, identifier, entity, query], opts, (): PortEntity => ({ ...entity, identifier, blueprint }));
  }
  updateEntity(blueprint: string, identifier: string, patch: Partial<EntityInput>, query?: unknown, opts?: PortCallOptions) {
    return this.answer('updateEntity', [blueprint, identifier, patch, query], opts, (): PortEntity => ({ ...patch, identifier, blueprint }));
  }
  deleteEntity(blueprint: string, identifier: string, query?: unknown, opts?: PortCallOptions) {
    return this.answer('deleteEntity', [blueprint, identifier, query], opts, () => undefined);
  }
  bulkCreateEntities(blueprint: string, entities: EntityInput[], query?: unknown, opts?: PortCallOptions) {
    return this.answer('bulkCreateEntities', [blueprint, entities, query], opts, (): BulkResult => ({
      entities: entities.map((e, index) => ({ identifier: String(e.identifier), index, created: true })),
      errors: [],
    }));
  }
  async checkToken(): Promise<void> {}
  tokenStatus(): TokenStatus {
    return { state: 'ok', since: 0 };
  }
}
