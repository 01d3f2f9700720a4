// The typed Port API the rest of the service uses (PortApi): exact routes, query parameters and bodies as
// Port's OpenAPI spec has them, over PortHttp (retries, budget) and TokenManager (one shared token).
import { z } from 'zod';
import { systemClock } from '../clock.js';
import type { Redactor } from '../logger.js';
import { TokenManager, type TokenResponse, type TokenStatus } from './auth.js';
import { PortApiError } from './errors.js';
import { PortHttp, type PortHttpOptions, type PortRequest } from './portHttp.js';
import type { PortAction, PortActionDefinition } from './actionTypes.js';
import type {
  BulkResult,
  CreateEntityOptions,
  DeleteEntityOptions,
  EntityInput,
  EntityWriteOptions,
  PortApi,
  PortBlueprint,
  PortCallOptions,
  PortEntity,
  PortReadApi,
  PortRun,
  RunLogBody,
  RunPatch,
  SearchQuery,
} from './types.js';

export interface PortClientOptions extends PortHttpOptions {
  credentials: { clientId: string; clientSecret: string };
  /** Access tokens (and the client secret) are registered here so no log line can show them. */
  redactor?: Redactor;
  /** Backoff of token requests while Port refuses the credentials (default 5 s doubling up to 5 min). */
  tokenBackoff?: { baseDelayMs?: number; maxDelayMs?: number };
}

/** Port accepts at most this many entities in one bulk request. */
export const BULK_LIMIT = 20;

const AUTH_ROUTE = 'POST /v1/auth/access_token';
const RUN_PATCH_KEYS = ['status', 'statusLabel', 'link', 'summary', 'externalRunId'] as const;
const RUN_LOG_KEYS = ['message', 'terminationStatus', 'statusLabel'] as const;
// PATCH on an entity has additionalProperties: false; POST/PUT accept extra keys.
const ENTITY_PATCH_KEYS = ['identifier', 'title', 'icon', 'team', 'properties', 'relations'] as const;

const tokenSchema = z.object({ accessToken: z.string().min(1), expiresIn: z.number().positive(), tokenType: z.string() });
const bulkSchema = z.object({
  entities: z.array(z.object({ identifier: z.string(), index: z.number(), created: z.boolean() })).default([]),
  errors: z
    .array(z.object({ identifier: z.string(), index: z.number(), statusCode: z.number(), error: z.string(), message: z.string() }))
    .default([]),
});

export class PortClient implements PortApi, PortReadApi {
  private readonly http: PortHttp;
  private readonly tokens: TokenManager;

  constructor(opts: PortClientOptions) {
    this.http = new PortHttp(opts);
    opts.redactor?.add(opts.credentials.clientSecret);
    const { clientId, clientSecret } = opts.credentials;
    this.tokens = new TokenManager({
      clock: opts.clock ?? systemClock,
      logger: opts.logger,
      redactor: opts.redactor,
      metrics: opts.metrics,
      refusedBaseDelayMs: opts.tokenBackoff?.baseDelayMs,
      refusedMaxDelayMs: opts.tokenBackoff?.maxDelayMs,
      random: opts.random,
      fetchToken: async () => {
        const res = await this.http.send({ method: 'POST', route: AUTH_ROUTE, path: 'v1/auth/access_token', json: { clientId, clientSecret } });
        return parse(tokenSchema, res.body, AUTH_ROUTE, res.status) satisfies TokenResponse;
      },
    });
  }

  async getRun(runId: string, opts?: PortCallOptions): Promise<PortRun> {
    const route = 'GET /v1/actions/runs/{run_id}';
    const body = await this.call({ method: 'GET', route, path: `v1/actions/runs/${seg(runId)}`, searchParams: { version: 'v2' } }, runId, opts);
    return field<PortRun>(body, 'run', route);
  }

  async patchRun(runId: string, patch: RunPatch, opts?: PortCallOptions): Promise<PortRun> {
    const route = 'PATCH /v1/actions/runs/{run_id}';
    const req: Omit<PortRequest, 'call'> = { method: 'PATCH', route, path: `v1/actions/runs/${seg(runId)}`, searchParams: { version: 'v2' }, json: pick(patch, RUN_PATCH_KEYS) };
    return field<PortRun>(await this.call(req, runId, opts), 'run', route);
  }

  async addRunLog(runId: string, log: RunLogBody, opts?: PortCallOptions): Promise<void> {
    const route = 'POST /v1/actions/runs/{run_id}/logs';
    await this.call({ method: 'POST', route, path: `v1/actions/runs/${seg(runId)}/logs`, json: pick(log, RUN_LOG_KEYS) }, runId, opts);
  }

  async createEntity(blueprint: string, entity: EntityInput, query: CreateEntityOptions = {}, opts?: PortCallOptions): Promise<PortEntity> {
    const route = 'POST /v1/blueprints/{blueprint_identifier}/entities';
    const req = { method: 'POST' as const, route, path: `v1/blueprints/${seg(blueprint)}/entities`, searchParams: createQuery(query), json: entity };
    return field<PortEntity>(await this.call(req, query.runId, opts), 'entity', route);
  }

  async replaceEntity(blueprint: string, identifier: string, entity: EntityInput, query: EntityWriteOptions = {}, opts?: PortCallOptions): Promise<PortEntity> {
    const route = 'PUT /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}';
    const req = { method: 'PUT' as const, route, path: entityPath(blueprint, identifier), searchParams: writeQuery(query), json: entity };
    return field<PortEntity>(await this.call(req, query.runId, opts), 'entity', route);
  }

  async updateEntity(blueprint: string, identifier: string, patch: Partial<EntityInput>, query: EntityWriteOptions = {}, opts?: PortCallOptions): Promise<PortEntity> {
    const route = 'PATCH /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}';
    const req = { method: 'PATCH' as const, route, path: entityPath(blueprint, identifier), searchParams: writeQuery(query), json: pick(patch, ENTITY_PATCH_KEYS) };
    return field<PortEntity>(await this.call(req, query.runId, opts), 'entity', route);
  }

  async deleteEntity(blueprint: string, identifier: string, query: DeleteEntityOptions = {}, opts?: PortCallOptions): Promise<void> {
    const route = 'DELETE /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}';
    // The spec marks delete_dependents required (default false): always sent so a strict validator passes.
    const searchParams = params({ delete_dependents: query.deleteDependents ?? false, run_id: query.runId });
    await this.call({ method: 'DELETE', route, path: entityPath(blueprint, identifier), searchParams }, query.runId, opts);
  }

  /** Chunks of BULK_LIMIT sent in order; 200 and 207 results merged with indexes into `entities`. */
  async bulkCreateEntities(blueprint: string, entities: EntityInput[], query: CreateEntityOptions = {}, opts?: PortCallOptions): Promise<BulkResult> {
    const route = 'POST /v1/blueprints/{blueprint_identifier}/entities/bulk';
    const merged: BulkResult = { entities: [], errors: [] };
    for (let offset = 0; offset < entities.length; offset += BULK_LIMIT) {
      const chunk = entities.slice(offset, offset + BULK_LIMIT);
      const req = { method: 'POST' as const, route, path: `v1/blueprints/${seg(blueprint)}/entities/bulk`, searchParams: createQuery(query), json: { entities: chunk } };
      const result = parse(bulkSchema, await this.call(req, query.runId, opts), route, 200);
      for (const e of result.entities) merged.entities.push({ identifier: e.identifier, index: e.index + offset, created: e.created });
      for (const e of result.errors) merged.errors.push({ ...e, index: e.index + offset });
    }
    return merged;
  }

  async getEntity(blueprint: string, identifier: string, opts?: PortCallOptions): Promise<PortEntity> {
    const route = 'GET /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}';
    return field<PortEntity>(await this.call({ method: 'GET', route, path: entityPath(blueprint, identifier) }, undefined, opts), 'entity', route);
  }

  /** Across blueprints (POST /v1/entities/search), or every page of one blueprint's search. */
  async searchEntities(query: SearchQuery, blueprint?: string, opts?: PortCallOptions): Promise<PortEntity[]> {
    if (blueprint === undefined) {
      const route = 'POST /v1/entities/search';
      return list<PortEntity>(await this.call({ method: 'POST', route, path: 'v1/entities/search', json: query }, undefined, opts), 'entities', route);
    }
    const route = 'POST /v1/blueprints/{blueprint_identifier}/entities/search';
    const out: PortEntity[] = [];
    let from: string | undefined;
    do {
      const json = { query, ...(from ? { from } : {}) };
      const body = await this.call({ method: 'POST', route, path: `v1/blueprints/${seg(blueprint)}/entities/search`, json }, undefined, opts);
      out.push(...list<PortEntity>(body, 'entities', route));
      const next = (body as { next?: unknown }).next;
      from = typeof next === 'string' && next !== '' ? next : undefined;
    } while (from);
    return out;
  }

  async getBlueprint(identifier: string, opts?: PortCallOptions): Promise<PortBlueprint> {
    const route = 'GET /v1/blueprints/{identifier}';
    return field<PortBlueprint>(await this.call({ method: 'GET', route, path: `v1/blueprints/${seg(identifier)}` }, undefined, opts), 'blueprint', route);
  }

  /** Every action and automation of the organization, in the v2 shape. */
  async listActions(opts?: PortCallOptions): Promise<PortAction[]> {
    const route = 'GET /v1/actions';
    const body = await this.call({ method: 'GET', route, path: 'v1/actions', searchParams: { version: 'v2' } }, undefined, opts);
    return list<PortAction>(body, 'actions', route);
  }

  async createAction(def: PortActionDefinition, opts?: PortCallOptions): Promise<PortAction> {
    const route = 'POST /v1/actions';
    return field<PortAction>(await this.call({ method: 'POST', route, path: 'v1/actions', json: def }, undefined, opts), 'action', route);
  }

  async updateAction(def: PortActionDefinition, opts?: PortCallOptions): Promise<PortAction> {
    const route = 'PUT /v1/actions/{action_identifier}';
    return field<PortAction>(await this.call({ method: 'PUT', route, path: `v1/actions/${seg(def.identifier)}`, json: def }, undefined, opts), 'action', route);
  }

  async deleteAction(identifier: string, opts?: PortCallOptions): Promise<void> {
    const route = 'DELETE /v1/actions/{action_identifier}';
    await this.call({ method: 'DELETE', route, path: `v1/actions/${seg(identifier)}` }, undefined, opts);
  }

  /** Starts a run of a self-service action, as a user pressing its button would (`npm run trigger`). */
  async createActionRun(action: string, body: { properties: Record<string, unknown>; entity?: string }, opts?: PortCallOptions): Promise<PortRun> {
    const route = 'POST /v1/actions/{action_identifier}/runs';
    return field<PortRun>(await this.call({ method: 'POST', route, path: `v1/actions/${seg(action)}/runs`, json: body }, undefined, opts), 'run', route);
  }

  /** A page of the run's log lines, oldest first. */
  async getRunLogs(runId: string, page: { offset: number; limit: number }, opts?: PortCallOptions): Promise<Array<{ message: string; createdAt?: string }>> {
    const route = 'GET /v1/actions/runs/{run_id}/logs';
    const searchParams = { offset: String(page.offset), limit: String(page.limit) };
    return list<{ message: string; createdAt?: string }>(await this.call({ method: 'GET', route, path: `v1/actions/runs/${seg(runId)}/logs`, searchParams }, runId, opts), 'runLogs', route);
  }

  async checkToken(): Promise<void> {
    await this.tokens.getToken();
  }

  tokenStatus(): TokenStatus {
    return this.tokens.status();
  }

  /** Releases kept-alive connections. */
  close(): void {
    this.http.close();
  }

  private async call(req: Omit<PortRequest, 'call' | 'auth'>, runId: string | undefined, opts?: PortCallOptions): Promise<unknown> {
    const call: PortCallOptions = { ...opts, runId: opts?.runId ?? runId };
    const res = await this.http.send({ ...req, auth: this.tokens, call });
    return res.body;
  }
}

export function createPortClient(opts: PortClientOptions): PortClient {
  return new PortClient(opts);
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function entityPath(blueprint: string, identifier: string): string {
  return `v1/blueprints/${seg(blueprint)}/entities/${seg(identifier)}`;
}

/** Only the parameters that are set, booleans as 'true'/'false'. */
function params(values: Record<string, string | boolean | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = String(v);
  return out;
}

function writeQuery(q: EntityWriteOptions): Record<string, string> {
  return params({ run_id: q.runId, create_missing_related_entities: q.createMissingRelatedEntities });
}

function createQuery(q: CreateEntityOptions): Record<string, string> {
  // `upsert` is required by the spec (default false): always sent so a strict validator passes.
  return params({ upsert: q.upsert ?? false, merge: q.merge, run_id: q.runId, create_missing_related_entities: q.createMissingRelatedEntities });
}

/** The listed keys that are set: Port's run schemas reject unknown keys (additionalProperties: false). */
function pick<T extends object>(body: T, keys: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (body as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as Partial<T>;
}

function field<T>(body: unknown, key: string, route: string): T {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  if (v && typeof v === 'object') return v as T;
  throw new PortApiError({ status: 200, portError: 'invalid_response', message: `${route}: the answer has no "${key}"`, route });
}

function list<T>(body: unknown, key: string, route: string): T[] {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  if (Array.isArray(v)) return v as T[];
  throw new PortApiError({ status: 200, portError: 'invalid_response', message: `${route}: the answer has no "${key}" list`, route });
}

function parse<T>(schema: z.ZodType<T>, body: unknown, route: string, status: number): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new PortApiError({ status, portError: 'invalid_response', message: `${route}: unexpected answer: ${r.error.issues[0]?.message ?? 'invalid'}`, route });
}
