// Validates requests (and, for contract tests, responses) against the Port operations vendored from
// Port's OpenAPI 3.1 spec by scripts/vendor-openapi.mjs. OpenAPI 3.1 schemas are JSON Schema 2020-12.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import vendored from './openapi/port-operations.json' with { type: 'json' };

interface VendoredParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Record<string, unknown>;
}

interface VendoredOperation {
  method: string;
  path: string;
  summary?: string;
  parameters: VendoredParameter[];
  requestBody: { required: boolean; schema: Record<string, unknown> } | null;
  responses: Record<string, Record<string, unknown>>;
}

export interface Operation {
  /** `PATCH /v1/actions/runs/{run_id}` */
  key: string;
  method: string;
  template: string;
  bodyRequired: boolean;
  hasBodySchema: boolean;
  responseStatuses: string[];
}

export interface RouteMatch {
  op: Operation;
  params: Record<string, string>;
}

export type Validation = { ok: true; query: Record<string, unknown> } | { ok: false; message: string };

// Marked `required: true` in the spec although Port's docs create entities without them.
const RELAXED_REQUIRED_QUERY = new Set(['upsert', 'delete_dependents']);
const COMPONENTS_ID = 'https://port-sim.local/components.json';

interface Compiled {
  op: Operation;
  pattern: RegExp;
  paramNames: string[];
  literalSegments: number;
  params: ValidateFunction;
  query: ValidateFunction;
  body: ValidateFunction | null;
  /** Compiled on first use: only contract tests look at responses. */
  responses: Map<string, () => ValidateFunction>;
}

/**
 * Points `#/components/...` refs at the shared components schema registered once with ajv, and drops
 * duplicate `required` entries (the spec's bulk response lists `ok` twice, which ajv rejects).
 */
function rebaseRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rebaseRefs);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/')) out[k] = `${COMPONENTS_ID}${v}`;
    else if (k === 'required' && Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = [...new Set(v)];
    else out[k] = rebaseRefs(v);
  }
  return out;
}

function objectSchema(params: VendoredParameter[], relax: boolean): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, rebaseRefs(p.schema)])),
    required: params.filter((p) => p.required && !(relax && RELAXED_REQUIRED_QUERY.has(p.name))).map((p) => p.name),
    // Stricter than Port, which ignores unknown query keys: a misspelt `run_id` would silently untie an entity.
    additionalProperties: false,
  };
}

function describe(where: string, errors: ErrorObject[] | null | undefined): string {
  const lines = (errors ?? []).slice(0, 3).map((e) => {
    const at = `${where}${e.instancePath.replace(/\//g, '.')}`;
    if (e.keyword === 'additionalProperties') return `${at} must NOT have additional property '${String(e.params.additionalProperty)}'`;
    if (e.keyword === 'enum') return `${at} must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
    return `${at} ${e.message ?? 'is invalid'}`;
  });
  return lines.join('; ') || `${where} is invalid`;
}

let shared: OpenApiValidator | null = null;

/** One validator per process: compiling the schemas is the slow part. */
export function openApiValidator(): OpenApiValidator {
  return (shared ??= new OpenApiValidator());
}

export class OpenApiValidator {
  private readonly compiled: Compiled[];

  constructor() {
    const make = (coerce: boolean): Ajv2020 => {
      // strict:false because OpenAPI schemas carry annotation keywords (example, deprecated) JSON Schema lacks.
      const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: coerce ? 'array' : false });
      addFormats.default(ajv);
      ajv.addSchema({ $id: COMPONENTS_ID, components: rebaseRefs(vendored.components) }, COMPONENTS_ID);
      return ajv;
    };
    const strictAjv = make(false);
    const coercingAjv = make(true); // path and query values arrive as strings
    const ops = vendored.operations as unknown as VendoredOperation[];
    this.compiled = ops
      .map((o) => {
        const segments = o.path.split('/');
        const paramNames: string[] = [];
        const pattern = new RegExp(
          `^${segments
            .map((s) => {
              const m = /^\{(.+)\}$/.exec(s);
              if (!m) return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
              paramNames.push(m[1]);
              return '([^/]+)';
            })
            .join('/')}$`,
        );
        const op: Operation = {
          key: `${o.method} ${o.path}`,
          method: o.method,
          template: o.path,
          bodyRequired: o.requestBody?.required ?? false,
          hasBodySchema: o.requestBody !== null,
          responseStatuses: Object.keys(o.responses),
        };
        return {
          op,
          pattern,
          paramNames,
          literalSegments: segments.length - paramNames.length,
          params: coercingAjv.compile(objectSchema(o.parameters.filter((p) => p.in === 'path'), false)),
          query: coercingAjv.compile(objectSchema(o.parameters.filter((p) => p.in === 'query'), true)),
          body: o.requestBody ? strictAjv.compile(rebaseRefs(o.requestBody.schema) as object) : null,
          responses: new Map(
            Object.entries(o.responses).map(([s, schema]) => {
              let fn: ValidateFunction | null = null;
              return [s, () => (fn ??= strictAjv.compile(rebaseRefs(schema) as object))];
            }),
          ),
        };
      })
      // Literal segments win over parameters (`/entities/bulk` before `/entities/{entity_identifier}`).
      .sort((a, b) => b.literalSegments - a.literalSegments);
  }

  get operations(): Operation[] {
    return this.compiled.map((c) => c.op);
  }

  /** The operation serving `method path`, or null when Port has no such route. */
  match(method: string, path: string): RouteMatch | null {
    for (const c of this.compiled) {
      if (c.op.method !== method.toUpperCase()) continue;
      const m = c.pattern.exec(path);
      if (!m) continue;
      try {
        const params = Object.fromEntries(c.paramNames.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
        return { op: c.op, params };
      } catch {
        return null; // malformed percent-encoding: no route can match it
      }
    }
    return null;
  }

  /** Path params, query (returned coerced to the schema's types) and JSON body, in that order. */
  validateRequest(op: Operation, input: { params: Record<string, string>; query: Record<string, unknown>; body: unknown }): Validation {
    const c = this.get(op);
    const params = { ...input.params };
    if (!c.params(params)) return { ok: false, message: describe('params', c.params.errors) };
    const query = { ...input.query };
    if (!c.query(query)) return { ok: false, message: describe('querystring', c.query.errors) };
    if (c.body) {
      if (input.body === undefined) {
        if (op.bodyRequired) return { ok: false, message: 'body must be object' };
      } else if (!c.body(input.body)) {
        return { ok: false, message: describe('body', c.body.errors) };
      }
    }
    return { ok: true, query };
  }

  /** Contract tests: does this answer match the documented response schema for its status? */
  validateResponse(opKey: string, status: number, body: unknown): { ok: true } | { ok: false; message: string } {
    const c = this.compiled.find((x) => x.op.key === opKey);
    if (!c) return { ok: false, message: `unknown operation ${opKey}` };
    const validate = c.responses.get(String(status))?.();
    if (!validate) return { ok: false, message: `status ${status} is not documented for ${opKey}` };
    return validate(body) ? { ok: true } : { ok: false, message: describe('response', validate.errors) };
  }

  /** ajv's errors for `body` as the request body of `opKey` (e.g. `POST /v1/actions`), or null when it is valid. */
  bodyErrors(opKey: string, body: unknown): ErrorObject[] | null {
    const c = this.compiled.find((x) => x.op.key === opKey);
    if (!c?.body) throw new Error(`operation ${opKey} has no vendored request body`);
    return c.body(body) ? null : [...(c.body.errors ?? [])];
  }

  private get(op: Operation): Compiled {
    const c = this.compiled.find((x) => x.op === op);
    if (!c) throw new Error(`operation ${op.key} is not vendored`);
    return c;
  }
}
