import { describe, expect, it } from '@jest/globals';
import { OpenApiValidator } from '../../src/simulator/openapi.js';

const v = new OpenApiValidator();
const RUN = 'PATCH /v1/actions/runs/{run_id}';

function op(method: string, path: string) {
  const m = v.match(method, path);
  if (!m) throw new Error(`no route for ${method} ${path}`);
  return m;
}

describe('OpenApiValidator', () => {
  it('when a path is matched, then the template and decoded params are returned', () => {
    const m = op('PATCH', '/v1/actions/runs/r_abc%2Fx');
    expect(m.op.key).toBe(RUN);
    expect(m.params).toEqual({ run_id: 'r_abc/x' });
    expect(op('POST', '/v1/blueprints/svc/entities/bulk').op.template).toBe('/v1/blueprints/{blueprint_identifier}/entities/bulk');
  });

  it('when a route or method Port lacks is asked for, then there is no match', () => {
    expect(v.match('DELETE', '/v1/actions/runs/r_1')).toBeNull();
    expect(v.match('GET', '/v1/nope')).toBeNull();
  });

  it('when a PATCH body has an unknown key, then the violation names it', () => {
    const m = op('PATCH', '/v1/actions/runs/r_1');
    expect(v.validateRequest(m.op, { params: m.params, query: {}, body: { logMessage: 'x' } })).toEqual({
      ok: false,
      message: "body must NOT have additional property 'logMessage'",
    });
  });

  it('when a status is outside the enum, then the violation lists the allowed values', () => {
    const m = op('PATCH', '/v1/actions/runs/r_1');
    const r = v.validateRequest(m.op, { params: m.params, query: {}, body: { status: 'DONE' } });
    expect(r).toEqual({ ok: false, message: 'body.status must be one of: SUCCESS, FAILURE' });
  });

  it('when query values arrive as strings, then they are coerced to the schema types', () => {
    const m = op('POST', '/v1/blueprints/svc/entities');
    const r = v.validateRequest(m.op, { params: m.params, query: { upsert: 'true', merge: 'false', run_id: 'r_1' }, body: { identifier: 'a' } });
    expect(r).toEqual({ ok: true, query: { upsert: true, merge: false, run_id: 'r_1' } });
  });

  it('when a query key is unknown or a boolean is malformed, then it is a violation', () => {
    const m = op('POST', '/v1/blueprints/svc/entities');
    expect(v.validateRequest(m.op, { params: m.params, query: { runId: 'r_1' }, body: { identifier: 'a' } })).toMatchObject({ ok: false, message: expect.stringContaining("'runId'") });
    expect(v.validateRequest(m.op, { params: m.params, query: { upsert: 'yes' }, body: { identifier: 'a' } })).toMatchObject({ ok: false, message: expect.stringContaining('querystring.upsert') });
  });

  it('when an entity identifier breaks the pattern or a search-query ref is used, then refs resolve and it is judged', () => {
    const m = op('POST', '/v1/blueprints/svc/entities');
    expect(v.validateRequest(m.op, { params: m.params, query: {}, body: { identifier: 'has space' } }).ok).toBe(false);
    const q = { combinator: 'and', rules: [{ property: '$title', operator: '=', value: 'x' }] };
    expect(v.validateRequest(m.op, { params: m.params, query: {}, body: { identifier: q } }).ok).toBe(true);
  });

  it('when a required body is missing, then it is a violation', () => {
    const m = op('POST', '/v1/actions/runs/r_1/logs');
    expect(v.validateRequest(m.op, { params: m.params, query: {}, body: undefined })).toEqual({ ok: false, message: 'body must be object' });
  });

  it('when a response is checked, then undocumented statuses and shapes are caught', () => {
    expect(v.validateResponse(RUN, 200, { ok: true, run: { id: 'r', action: { identifier: 'a' }, properties: {}, requiredApproval: false, source: 'API', status: 'SUCCESS' } })).toEqual({ ok: true });
    expect(v.validateResponse(RUN, 200, { ok: true, run: { id: 'r' } }).ok).toBe(false);
    expect(v.validateResponse(RUN, 500, {}).ok).toBe(false);
  });
});
