import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { normalizeDelivery } from '../../src/normalize/normalize.js';
import type { Invocation } from '../../src/normalize/invocation.js';

/** A fixture's body: the file itself, or its `data` when it wraps data in {"_meta","data"}. */
function fixture(name: string): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  return '_meta' in parsed ? (parsed.data as Record<string, unknown>) : parsed;
}

type Expected = Omit<Invocation, 'payload' | 'trigger' | 'entity'> & { entity: string | null; trigger: 'object' | null };

interface Row {
  file: string;
  body?: (f: Record<string, unknown>) => unknown;
  headers?: Record<string, string>;
  urlAction?: string;
  expected: Expected;
}

const rows: Row[] = [
  {
    file: 'port-webhook-v1-create.json',
    expected: { runId: 'run_q2mGf9ZYkFRnZJjB', action: 'create_vm', blueprint: 'vm', inputs: { cpu: 2, memory: 4, storage: 50, region: 'eu-west-1' }, entity: null, trigger: 'object' },
  },
  {
    file: 'port-webhook-v1-create-2022-tutorial.json',
    expected: { runId: 'r_QOz6WoOB1Q2lmhZZ', action: 'create_microservice', blueprint: 'microservice', inputs: { name: 'my-microservice', region: 'eu-west-1' }, entity: null, trigger: 'object' },
  },
  {
    file: 'port-webhook-v1-day2-2022-tutorial.json',
    expected: { runId: 'r_z0nJYJv0wCm2ASTR', action: 'deploy_microservice', blueprint: 'microservice', inputs: { environment: 'production' }, entity: 'my-microservice', trigger: 'object' },
  },
  {
    file: 'port-webhook-v1-day2-agent.json',
    expected: { runId: 'r_HardNzG6kzc9vWOQ', action: 'action_identifier', blueprint: 'kubecostCloudAllocation', inputs: {}, entity: 'e_iQfaF14FJln6GVBn', trigger: 'object' },
  },
  {
    file: 'port-webhook-v1-day2-agent-encrypted-fields.json',
    expected: { runId: 'r_789', action: 'deploy_service', blueprint: 'microservice', inputs: {}, entity: 'e_456', trigger: 'object' },
  },
  {
    file: 'peer-port-docs-legacy-run-event.json',
    expected: { runId: 'r_HardNzG6kzc9vWOQ', action: 'action_identifier', blueprint: 'kubecostCloudAllocation', inputs: {}, entity: 'e_iQfaF14FJln6GVBn', trigger: 'object' },
  },
  {
    file: 'peer-port-agent-kafka-run-message-signed.json',
    expected: { runId: 'r_jE5FhDURh4Uen2Qr', action: 'Create', blueprint: 'Service', inputs: {}, entity: null, trigger: 'object' },
  },
  {
    file: 'port-webhook-v2-trigger-data-self-service-create.json',
    expected: {
      runId: "<The current run's id>",
      action: 'Microservice_scaffold_a_microservice',
      blueprint: 'Microservice',
      inputs: { microservice_name: 'string', microservice_description: 'string', language: 'string', version: 'string', core: 'string', features: 'string' },
      entity: null, // {} on CREATE
      trigger: 'object',
    },
  },
  {
    file: 'peer-port-docs-v2-trigger-data.json',
    body: (f) => f.trigger_data,
    expected: {
      runId: "<The current run's id>",
      action: 'Microservice_scaffold_a_microservice',
      blueprint: 'Microservice',
      inputs: { microservice_name: 'string', microservice_description: 'string', language: 'string', version: 'string', core: 'string', features: 'string' },
      entity: null,
      trigger: 'object',
    },
  },
  {
    file: 'port-webhook-v2-trigger-data-automation-entity-updated.json',
    expected: { runId: 'r_k86OUzq80jRlxFV0', action: 'automation', blueprint: null, inputs: {}, entity: null, trigger: 'object' },
  },
  {
    file: 'port-webhook-v2-trigger-data-automation-run-updated.json',
    expected: { runId: 'r_au3aJdlOHUO3d99n', action: 'automation', blueprint: null, inputs: {}, entity: null, trigger: 'object' },
  },
  {
    file: 'port-webhook-v2-default-body-rendered.json',
    headers: { RUN_ID: 'r_Q0YotCZMKxDLdlaU' },
    urlAction: 'create_microservice',
    expected: { runId: 'r_Q0YotCZMKxDLdlaU', action: 'create_microservice', blueprint: null, inputs: {}, entity: null, trigger: null },
  },
  {
    file: 'port-run-v2-payload-recorded.json',
    body: (f) => ({ name: 'svc', ...(f.body as object) }),
    expected: { runId: 'r_Q0YotCZMKxDLdlaU', action: null, blueprint: null, inputs: { name: 'svc' }, entity: null, trigger: null },
  },
  {
    file: 'port-run-v2-payload-recorded.json',
    body: () => ({ region: 'eu' }),
    headers: { RUN_ID: 'r_Q0YotCZMKxDLdlaU' },
    expected: { runId: 'r_Q0YotCZMKxDLdlaU', runIdFromHeader: true, action: null, blueprint: null, inputs: { region: 'eu' }, entity: null, trigger: null },
  },
];

describe('normalizeDelivery over the fixtures', () => {
  it.each(rows.map((r) => [r.file + (r.headers ? ' + header' : '') + (r.urlAction ? ' + URL action' : ''), r] as const))(
    'when the delivery is %s, then the invocation has the expected fields',
    (_name, row) => {
      const body = row.body ? row.body(fixture(row.file)) : fixture(row.file);
      const inv = normalizeDelivery({ body, headers: row.headers ?? {}, urlAction: row.urlAction });
      const { entity, trigger, payload, ...rest } = inv;
      const { runId, action, blueprint, inputs, runIdFromHeader } = row.expected;
      expect(rest).toEqual({ runId, action, blueprint, inputs, ...(runIdFromHeader ? { runIdFromHeader } : {}) });
      expect(entity === null ? null : entity.identifier).toBe(row.expected.entity);
      expect(trigger === null ? null : typeof trigger).toBe(row.expected.trigger);
      expect(payload).toBe(body);
    },
  );
});

describe('normalizeDelivery rules', () => {
  const noHeaders = {};

  it('when context.runId and port_context.runId both exist, then context.runId wins', () => {
    expect(normalizeDelivery({ body: { context: { runId: 'r_a' }, port_context: { runId: 'r_b' } }, headers: noHeaders }).runId).toBe('r_a');
  });

  it('when run.id and port_context.runId both exist, then run.id wins', () => {
    expect(normalizeDelivery({ body: { run: { id: 'r_a' }, port_context: { runId: 'r_b' } }, headers: noHeaders }).runId).toBe('r_a');
  });

  it('when the body has port_context.run_id (snake case), then it is the run id and not an input', () => {
    const inv = normalizeDelivery({ body: { user_name: 'x', port_context: { run_id: 'r_snake' } }, headers: noHeaders });
    expect(inv).toMatchObject({ runId: 'r_snake', inputs: { user_name: 'x' } });
  });

  it('when the run id sits at the root as runId or run_id, then it is used', () => {
    expect(normalizeDelivery({ body: { runId: 'r_a' }, headers: noHeaders }).runId).toBe('r_a');
    expect(normalizeDelivery({ body: { run_id: 'r_b' }, headers: noHeaders }).runId).toBe('r_b');
  });

  it('when the body run id is padded, then it is trimmed', () => {
    expect(normalizeDelivery({ body: { port_context: { runId: '  r_a  ' } }, headers: noHeaders }).runId).toBe('r_a');
  });

  it('when only the header carries the run id, in any case, then it is used', () => {
    expect(normalizeDelivery({ body: {}, headers: { run_id: 'r_lower' } }).runId).toBe('r_lower');
    expect(normalizeDelivery({ body: {}, headers: { 'Run_Id': 'r_mixed' } }).runId).toBe('r_mixed');
  });

  it.each([
    ['an empty object', {}],
    ['a blank run id', { port_context: { runId: '   ' } }],
    ['a numeric run id', { runId: 42 }],
    ['a null context', { context: null }],
  ])('when the body has %s and no header, then it is missing_run_id', (_n, body) => {
    expect(() => normalizeDelivery({ body, headers: noHeaders })).toThrow(expect.objectContaining({ code: 'missing_run_id' }));
  });

  it.each([
    ['an array', [1, 2]],
    ['a string', 'hello'],
    ['a number', 7],
    ['null', null],
  ])('when the body is %s, then it has no run id unless the header gives one, and no inputs', (_n, body) => {
    expect(() => normalizeDelivery({ body, headers: noHeaders })).toThrow(expect.objectContaining({ code: 'missing_run_id' }));
    const inv = normalizeDelivery({ body, headers: { RUN_ID: 'r_h' } });
    expect(inv).toMatchObject({ runId: 'r_h', action: null, blueprint: null, inputs: {}, entity: null, trigger: null });
    expect(inv.payload).toBe(body);
  });

  it('when the header is repeated (an array), then it does not count as a run id', () => {
    expect(() => normalizeDelivery({ body: {}, headers: { run_id: ['r_a', 'r_b'] } })).toThrow(expect.objectContaining({ code: 'missing_run_id' }));
  });

  it('when the URL names another action than the signed body, then it is action_mismatch', () => {
    expect(() => normalizeDelivery({ body: { action: 'from_body', runId: 'r' }, headers: noHeaders, urlAction: 'from_url' })).toThrow(
      expect.objectContaining({ code: 'action_mismatch', message: expect.stringMatching(/"from_url".*"from_body"/) }),
    );
    expect(() => normalizeDelivery({ body: { action: { identifier: 'a' }, runId: 'r' }, headers: noHeaders, urlAction: 'b' })).toThrow(
      expect.objectContaining({ code: 'action_mismatch' }),
    );
  });

  it('when the URL names the same action as the body, or the body names none, then that action is used', () => {
    expect(normalizeDelivery({ body: { action: 'same', runId: 'r' }, headers: noHeaders, urlAction: 'same' }).action).toBe('same');
    expect(normalizeDelivery({ body: { runId: 'r' }, headers: noHeaders, urlAction: 'from_url' }).action).toBe('from_url');
  });

  it('when the run id comes only from the RUN_ID header, then the invocation says so; from the body, it does not', () => {
    expect(normalizeDelivery({ body: {}, headers: { RUN_ID: 'r_h' } }).runIdFromHeader).toBe(true);
    expect(normalizeDelivery({ body: { runId: 'r_b' }, headers: { RUN_ID: 'r_h' } })).not.toHaveProperty('runIdFromHeader');
  });

  it('when action is an object, then its identifier and blueprint are used', () => {
    const inv = normalizeDelivery({ body: { action: { identifier: 'svc_deploy', blueprint: 'svc' }, runId: 'r' }, headers: noHeaders });
    expect(inv).toMatchObject({ action: 'svc_deploy', blueprint: 'svc' });
  });

  it('when only payload.action.blueprint names the blueprint (string or object), then it is used', () => {
    expect(normalizeDelivery({ body: { runId: 'r', payload: { action: { blueprint: 'b1' } } }, headers: noHeaders }).blueprint).toBe('b1');
    expect(normalizeDelivery({ body: { runId: 'r', payload: { action: { blueprint: { identifier: 'b2' } } } }, headers: noHeaders }).blueprint).toBe('b2');
  });

  it('when only the entity names the blueprint, then it is used', () => {
    expect(normalizeDelivery({ body: { runId: 'r', entity: { identifier: 'e', blueprint: 'b3' } }, headers: noHeaders }).blueprint).toBe('b3');
  });

  it('when inputs is absent but properties is present, then properties are the inputs', () => {
    expect(normalizeDelivery({ body: { runId: 'r', properties: { a: 1 } }, headers: noHeaders }).inputs).toEqual({ a: 1 });
  });

  it('when payload.properties and inputs both exist, then payload.properties wins', () => {
    expect(normalizeDelivery({ body: { runId: 'r', inputs: { a: 1 }, payload: { properties: { b: 2 } } }, headers: noHeaders }).inputs).toEqual({ b: 2 });
  });

  it('when entity is {} (a CREATE in trigger data), then entity is null', () => {
    expect(normalizeDelivery({ body: { runId: 'r', entity: {} }, headers: noHeaders }).entity).toBeNull();
  });

  it('when the trigger is not an object, then trigger is null', () => {
    expect(normalizeDelivery({ body: { runId: 'r', trigger: 'CREATE' }, headers: noHeaders }).trigger).toBeNull();
  });
});
