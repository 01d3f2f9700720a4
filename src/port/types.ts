// Shapes of Port's run, run-log, entity and auth API (see src/simulator/openapi/port-operations.json,
// vendored from Port's OpenAPI spec) and the interface the rest of the service uses to reach Port.
import type { TokenStatus } from './auth.js';

export type FinalStatus = 'SUCCESS' | 'FAILURE';
export type RunStatus = 'IN_PROGRESS' | FinalStatus | 'WAITING_FOR_APPROVAL' | 'DECLINED';

/** PATCH /v1/actions/runs/{run_id} body: every key optional, no others (additionalProperties: false). */
export interface RunPatch {
  status?: FinalStatus;
  statusLabel?: string;
  link?: string | string[];
  summary?: string;
  externalRunId?: string;
}

/** POST /v1/actions/runs/{run_id}/logs body. */
export interface RunLogBody {
  message: string;
  terminationStatus?: FinalStatus;
  statusLabel?: string;
}

export interface PortRun {
  id: string;
  status: RunStatus;
  statusLabel?: string | null;
  link?: string | string[];
  summary?: string;
  action: { identifier: string; title?: string } & Record<string, unknown>;
  blueprint?: { identifier: string } & Record<string, unknown>;
  entity?: ({ identifier: string } & Record<string, unknown>) | null;
  properties: Record<string, unknown>;
  endedAt?: string | null;
  [key: string]: unknown;
}

export interface PortEntity {
  identifier: string;
  title?: string;
  icon?: string;
  team?: string | string[];
  blueprint?: string;
  properties?: Record<string, unknown>;
  relations?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * The entity a handler writes: identifier required, the rest as Port accepts it. Spelled out because
 * `Omit<PortEntity, 'blueprint'>` collapses to the index signature (every key `unknown`, identifier optional).
 */
export interface EntityInput {
  identifier: string;
  title?: string;
  icon?: string;
  team?: string | string[];
  properties?: Record<string, unknown>;
  relations?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface EntityWriteOptions {
  /** Ties the write to this run (Port accepts it only while the run is IN_PROGRESS). */
  runId?: string;
  createMissingRelatedEntities?: boolean;
}

export interface CreateEntityOptions extends EntityWriteOptions {
  upsert?: boolean;
  /** Only with upsert: update the given fields, keep the others. */
  merge?: boolean;
}

export interface DeleteEntityOptions {
  runId?: string;
  deleteDependents?: boolean;
}

export interface BulkResult {
  entities: Array<{ identifier: string; index: number; created: boolean }>;
  errors: Array<{ identifier: string; index: number; statusCode: number; error: string; message: string }>;
}

export interface PortCallOptions {
  /** Total time for the call, retries included (defaults from config). */
  budgetMs?: number;
  /** Sent as a correlation header and written in logs. */
  runId?: string;
  /** Written in logs beside the run id. */
  action?: string;
  signal?: AbortSignal;
}

/** What the service needs from Port. The got-based PortClient implements it; tests may wrap it. */
export interface PortApi {
  getRun(runId: string, opts?: PortCallOptions): Promise<PortRun>;
  patchRun(runId: string, body: RunPatch, opts?: PortCallOptions): Promise<PortRun>;
  addRunLog(runId: string, body: RunLogBody, opts?: PortCallOptions): Promise<void>;
  createEntity(blueprint: string, entity: EntityInput, query?: CreateEntityOptions, opts?: PortCallOptions): Promise<PortEntity>;
  replaceEntity(blueprint: string, identifier: string, entity: EntityInput, query?: EntityWriteOptions, opts?: PortCallOptions): Promise<PortEntity>;
  updateEntity(blueprint: string, identifier: string, patch: Partial<EntityInput>, query?: EntityWriteOptions, opts?: PortCallOptions): Promise<PortEntity>;
  deleteEntity(blueprint: string, identifier: string, query?: DeleteEntityOptions, opts?: PortCallOptions): Promise<void>;
  bulkCreateEntities(blueprint: string, entities: EntityInput[], query?: CreateEntityOptions, opts?: PortCallOptions): Promise<BulkResult>;
  /** A token is cached or obtainable now (sends a token request when none is cached). */
  checkToken(): Promise<void>;
  /** Where the access token stands, without any request (readiness detail). */
  tokenStatus(): TokenStatus;
}

export interface PortBlueprint {
  identifier: string;
  title?: string;
  description?: string;
  icon?: string;
  schema?: { properties?: Record<string, unknown>; required?: string[] };
  relations?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A rule of Port's entity search: `{property, operator, value}`, or a nested `{combinator, rules}`. */
export type SearchRule = { property?: string | Record<string, unknown>; operator: string; value?: unknown; [key: string]: unknown } | SearchQuery;

/** Port's search body: rules joined by `and` / `or`. */
export interface SearchQuery {
  combinator: 'and' | 'or';
  rules: SearchRule[];
}

/** Reads a handler may make (ctx.port): the got-based PortClient implements them. */
export interface PortReadApi {
  getRun(runId: string, opts?: PortCallOptions): Promise<PortRun>;
  getEntity(blueprint: string, identifier: string, opts?: PortCallOptions): Promise<PortEntity>;
  /** Across blueprints, or within `blueprint` (every page). */
  searchEntities(query: SearchQuery, blueprint?: string, opts?: PortCallOptions): Promise<PortEntity[]>;
  getBlueprint(identifier: string, opts?: PortCallOptions): Promise<PortBlueprint>;
}
