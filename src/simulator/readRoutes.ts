// The simulated read operations handlers use through ctx.port: a blueprint, and entity search across
// blueprints or within one (paged with `from`/`next` as Port does).
import type { SearchQuery } from '../port/types.js';
import type { SimBlueprints } from './blueprints.js';
import { entityView, type SimEntities } from './entities.js';
import type { PortRoute } from './portRoutes.js';
import { matches } from './search.js';

const PAGE = 200;

export function createReadRoutes(s: { blueprints: SimBlueprints; entities: SimEntities }): Record<string, PortRoute> {
  return {
    'GET /v1/blueprints/{identifier}': ({ params }) => {
      const hasEntities = s.entities.all().some((e) => e.blueprint === params.identifier);
      return { status: 200, body: { ok: true, blueprint: s.blueprints.get(params.identifier, hasEntities) } };
    },

    'POST /v1/entities/search': ({ body }) => {
      const found = s.entities.all().filter((e) => matches(e, body as SearchQuery));
      return { status: 200, body: { ok: true, matchingBlueprints: [...new Set(found.map((e) => e.blueprint))], entities: found.map(entityView) } };
    },

    'POST /v1/blueprints/{blueprint_identifier}/entities/search': ({ params, body }) => {
      const b = (body ?? {}) as { query?: SearchQuery; limit?: number; from?: string };
      const inBlueprint = s.entities.all().filter((e) => e.blueprint === params.blueprint_identifier);
      const found = b.query ? inBlueprint.filter((e) => matches(e, b.query!)) : inBlueprint;
      const start = b.from && /^\d+$/.test(b.from) ? Number(b.from) : 0;
      const size = b.limit ?? PAGE;
      const page = found.slice(start, start + size);
      const next = start + size < found.length ? String(start + size) : undefined;
      return { status: 200, body: { ok: true, entities: page.map(entityView), ...(next ? { next } : {}) } };
    },
  };
}
