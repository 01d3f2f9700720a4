// The simulated Port operations, keyed by `METHOD /template`. Each gets validated input and answers
// `{status, body}`, or throws a SimError that becomes Port's error body.
import type { RunLogBody, RunPatch } from '../port/types.js';
import { entityView, type SimEntities } from './entities.js';
import type { SimRuns } from './runs.js';
import { SimError } from './simError.js';
import type { TokenStore } from './tokens.js';
import { runLogView, runView, runViewV2 } from './views.js';

type Body = Record<string, unknown>;

export interface PortRouteContext {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

export interface PortAnswer {
  status: number;
  body: unknown;
}

export interface PortState {
  runs: SimRuns;
  entities: SimEntities;
  tokens: TokenStore;
  credentials: { clientId: string; clientSecret: string };
  /** Fault: the credentials are revoked (the token route answers 401 until restored). */
  access: { revoked: boolean };
}

export type PortRoute = (ctx: PortRouteContext) => PortAnswer;

const bool = (v: unknown): boolean => v === true;

export function createPortRoutes(s: PortState): Record<string, PortRoute> {
  /** Checks `run_id` before the write (404 unknown, 422 finished); returns a function that records the tie. */
  const tieTo = (query: Record<string, unknown>, body: unknown) => {
    const runId = typeof query.run_id === 'string' ? query.run_id : null;
    if (runId) s.runs.assertTieable(runId, body);
    return (blueprint: string, identifier: string, operation: Parameters<SimRuns['tie']>[1]['operation']) => {
      if (runId) s.runs.tie(runId, { blueprint, identifier, operation });
    };
  };

  const createQuery = (q: Record<string, unknown>) => ({
    upsert: bool(q.upsert),
    merge: bool(q.upsert) && bool(q.merge), // merge means something only with upsert
    createMissing: bool(q.create_missing_related_entities),
  });

  return {
    'POST /v1/auth/access_token': ({ body }) => {
      const { clientId, clientSecret } = body as { clientId: string; clientSecret: string };
      if (s.access.revoked || clientId !== s.credentials.clientId || clientSecret !== s.credentials.clientSecret) {
        throw new SimError(401, 'unauthorized', 'Invalid client credentials');
      }
      return { status: 200, body: { ok: true, ...s.tokens.issue(clientId) } };
    },

    'GET /v1/actions/runs/{run_id}': ({ params, query }) => ({
      status: 200,
      body: { ok: true, run: runView(s.runs.get(params.run_id), query.version) },
    }),

    'PATCH /v1/actions/runs/{run_id}': ({ params, query, body }) => ({
      status: 200,
      body: { ok: true, run: runView(s.runs.patch(params.run_id, (body ?? {}) as RunPatch), query.version) },
    }),

    'POST /v1/actions/runs/{run_id}/logs': ({ params, body }) => ({
      status: 201,
      body: { ok: true, runLog: runLogView(s.runs.addLog(params.run_id, body as RunLogBody)) },
    }),

    'GET /v1/actions/runs/{run_id}/logs': ({ params, query }) => {
      const offset = typeof query.offset === 'number' ? query.offset : 0;
      const limit = typeof query.limit === 'number' ? query.limit : 50;
      const logs = s.runs.get(params.run_id).logs.slice(offset, offset + limit);
      return { status: 200, body: { ok: true, runLogs: logs.map(runLogView) } };
    },

    'POST /v1/actions/{action_identifier}/runs': ({ params, body }) => {
      const b = body as { properties: Body; entity?: string };
      const run = s.runs.create({ action: params.action_identifier, properties: b.properties, entity: b.entity ?? null, source: 'API' });
      return { status: 202, body: { ok: true, run: runViewV2(run) } };
    },

    'POST /v1/blueprints/{blueprint_identifier}/entities': ({ params, query, body }) => {
      const tie = tieTo(query, body);
      const r = s.entities.create(params.blueprint_identifier, body as Body, createQuery(query));
      tie(params.blueprint_identifier, r.entity.identifier, r.operation);
      return { status: 201, body: { ok: true, entity: entityView(r.entity) } };
    },

    'POST /v1/blueprints/{blueprint_identifier}/entities/bulk': ({ params, query, body }) => {
      const tie = tieTo(query, body);
      const bp = params.blueprint_identifier;
      const entities: Array<{ identifier: string; index: number; created: boolean }> = [];
      const errors: Array<{ identifier: string; index: number; statusCode: number; error: string; message: string }> = [];
      (body as { entities: Body[] }).entities.forEach((e, index) => {
        const identifier = typeof e.identifier === 'string' ? e.identifier : '';
        try {
          const r = s.entities.create(bp, e, createQuery(query));
          tie(bp, r.entity.identifier, r.operation);
          entities.push({ identifier: r.entity.identifier, index, created: r.created });
        } catch (err) {
          if (!(err instanceof SimError)) throw err;
          errors.push({ identifier, index, statusCode: err.status, error: err.error, message: err.message });
        }
      });
      return { status: errors.length ? 207 : 200, body: { ok: errors.length === 0, entities, errors } };
    },

    'GET /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}': ({ params }) => ({
      status: 200,
      body: { ok: true, entity: entityView(s.entities.get(params.blueprint_identifier, params.entity_identifier)) },
    }),

    'PUT /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}': ({ params, query, body }) => {
      const tie = tieTo(query, body);
      const r = s.entities.replace(params.blueprint_identifier, params.entity_identifier, (body ?? {}) as Body, bool(query.create_missing_related_entities));
      tie(params.blueprint_identifier, r.entity.identifier, r.operation);
      return { status: 200, body: { ok: true, entity: entityView(r.entity) } };
    },

    'PATCH /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}': ({ params, query, body }) => {
      const tie = tieTo(query, body);
      const r = s.entities.update(params.blueprint_identifier, params.entity_identifier, (body ?? {}) as Body, bool(query.create_missing_related_entities));
      tie(params.blueprint_identifier, r.entity.identifier, r.operation);
      return { status: 200, body: { ok: true, entity: entityView(r.entity) } };
    },

    'DELETE /v1/blueprints/{blueprint_identifier}/entities/{entity_identifier}': ({ params, query }) => {
      const tie = tieTo(query, null);
      s.entities.remove(params.blueprint_identifier, params.entity_identifier, bool(query.delete_dependents));
      tie(params.blueprint_identifier, params.entity_identifier, 'delete');
      return { status: 200, body: { ok: true } };
    },
  };
}
