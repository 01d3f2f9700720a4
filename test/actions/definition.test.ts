import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { collectDefinitions } from '../../src/actions/collect.js';
import { actionDefinitionsOf, webhookUrlFor } from '../../src/actions/definition.js';
import { assertValidDefinition } from '../../src/actions/validate.js';
import { silentLogger } from '../../src/logger.js';
import { defineHandler } from '../../src/registry/defineHandler.js';
import { loadHandlers } from '../../src/registry/loadHandlers.js';
import { openApiValidator } from '../../src/simulator/openapi.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const URL = 'https://runner.example.com/webhook';
const run = async () => undefined;

describe('actionDefinitionsOf', () => {
  it.each([
    ['handlers/', path.join(ROOT, 'handlers')],
    ['the test handlers', path.join(here, 'handlers')],
    ['the e2e handlers', path.join(ROOT, 'test/e2e/handlers')],
  ])('when every handler in %s is exported, then each definition validates against POST /v1/actions', async (_what, dir) => {
    const registry = await loadHandlers(dir, { logger: silentLogger() });
    const { definitions, errors } = collectDefinitions(registry.modules, URL);
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(definitions.length).toBeGreaterThan(0);
    for (const def of definitions) expect({ id: def.identifier, errors: openApiValidator().bodyErrors('POST /v1/actions', def) }).toEqual({ id: def.identifier, errors: null });
  });

  it('when the example handler is exported, then it is a CREATE self-service action calling PUBLIC_URL/webhook', async () => {
    const { default: handler } = await import('../../handlers/create_microservice.js');
    expect(actionDefinitionsOf(handler, { webhookUrl: webhookUrlFor('https://runner.example.com/') })).toEqual([
      {
        identifier: 'create_microservice',
        title: 'Create microservice',
        description: 'Registers a new microservice in the catalog',
        icon: 'Microservice',
        trigger: {
          type: 'self-service',
          operation: 'CREATE',
          userInputs: {
            properties: {
              name: { type: 'string', title: 'Name', description: 'Spaces become underscores in the identifier', minLength: 1 },
              region: { type: 'string', title: 'Region', minLength: 1 },
            },
            required: ['name', 'region'],
            order: ['name', 'region'],
          },
        },
        invocationMethod: { type: 'WEBHOOK', url: 'https://runner.example.com/webhook', agent: false, synchronized: false, method: 'POST' },
        requiredApproval: false,
      },
    ]);
  });

  it('when a handler declares an action and an automation, then both are exported, the automation with its event', async () => {
    const { default: handler } = await import('./handlers/restart_service.js');
    const [action, automation] = actionDefinitionsOf(handler, { webhookUrl: URL });
    expect(action.trigger).toMatchObject({ type: 'self-service', operation: 'DAY-2', blueprintIdentifier: 'service' });
    expect(action.requiredApproval).toEqual({ type: 'ANY' });
    expect(action.invocationMethod.synchronized).toBe(true);
    expect(automation).toEqual({
      identifier: 'restart_service_watch',
      title: 'Restart service',
      trigger: { type: 'automation', event: { type: 'RUN_UPDATED', actionIdentifier: 'restart_service' } },
      invocationMethod: { type: 'WEBHOOK', url: URL, agent: false, synchronized: true, method: 'POST' },
      publish: true,
    });
  });

  it('when an old handler has no metadata, then it exports with its inputs as the schema says and Port defaults', () => {
    const handler = defineHandler({ action: ['a', 'b'], inputs: z.object({ n: z.number() }), run });
    const defs = actionDefinitionsOf(handler, { webhookUrl: URL });
    expect(defs.map((d) => d.identifier)).toEqual(['a', 'b']);
    expect(defs[0]).toEqual({
      identifier: 'a',
      trigger: { type: 'self-service', operation: 'CREATE', userInputs: { properties: { n: { type: 'number' } }, required: ['n'], order: ['n'] } },
      invocationMethod: { type: 'WEBHOOK', url: URL, agent: false, synchronized: false, method: 'POST' },
      requiredApproval: false,
    });
  });

  it.each<[string, Parameters<typeof defineHandler>[0], string]>([
    ['a DAY-2 action without blueprint', { action: 'd', operation: 'DAY-2', run }, "handler 'd': a DAY-2 action needs \"blueprint\""],
    ['an unknown operation', { action: 'd', operation: 'UPDATE' as never, run }, "handler 'd': \"operation\" must be one of CREATE, DAY-2, DELETE"],
    ['an entity event without blueprint', { automation: { identifier: 'n', event: 'ENTITY_CREATED' }, run }, "handler 'n': automation 'n': ENTITY_CREATED needs \"blueprint\""],
    ['a timer without property', { automation: { identifier: 'n', event: 'TIMER_PROPERTY_EXPIRED', blueprint: 's' }, run }, 'TIMER_PROPERTY_EXPIRED needs "property"'],
    ['a run event without action', { automation: { identifier: 'n', event: 'RUN_CREATED' }, run }, 'RUN_CREATED needs "action"'],
    ['an unknown event', { automation: { identifier: 'n', event: 'ENTITY_TOUCHED' as never, blueprint: 's' }, run }, '"event" must be one of'],
    ['a title that is not a string', { action: 'd', title: 5 as never, run }, "handler 'd': Port's schema refuses the definition of 'd' at title: must be string"],
    ['an icon that is not a string', { action: 'd', icon: [] as never, run }, "at icon: must be string"],
  ])('when a handler has %s, then the export error names the handler and the field', (_what, spec, message) => {
    const handler = defineHandler(spec as never);
    expect(() => actionDefinitionsOf(handler, { webhookUrl: URL })).toThrow(message);
  });

  it('when Port refuses a nested field, then the error gives its path', () => {
    const def = { identifier: 'x', trigger: { type: 'self-service', operation: 'CREATE', userInputs: { properties: { a: { type: 'date' } }, required: [], order: ['a'] } }, invocationMethod: { type: 'WEBHOOK', url: URL } };
    expect(() => assertValidDefinition(def as never, 'handler h')).toThrow("handler h: Port's schema refuses the definition of 'x' at trigger.userInputs.properties.a.type: must be one of: string, number, boolean, object, array");
  });

  it('when one handler cannot be expressed, then the others are still collected and the bad one is named by file', () => {
    const good = defineHandler({ action: 'good', run });
    const bad = defineHandler({ action: 'bad', inputs: z.object({ when: z.date() }), run });
    const { definitions, errors } = collectDefinitions([{ file: path.join(ROOT, 'handlers/good.ts'), handler: good }, { file: path.join(ROOT, 'handlers/bad.ts'), handler: bad }], URL, ROOT);
    expect(definitions.map((d) => d.identifier)).toEqual(['good']);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^handler handlers\/bad\.ts: input 'when': no JSON type/)]);
  });
});
