// The Port action definitions the local run page draws its forms from: the same ones `npm run actions`
// exports for each loaded handler, so the page shows what Port would show. A handler whose definition
// cannot be produced still gets a card saying why.
import { actionDefinitionsOf } from './actions/definition.js';
import { actionIdsOf, type Handler } from './registry/defineHandler.js';
import type { Registry } from './registry/registry.js';
import type { PageActionDefinition } from './simulator/index.js';

export function pageActionDefinitions(registry: Registry, webhookUrl: string): PageActionDefinition[] {
  const handlers = new Set(registry.actions().map((id) => registry.get(id)).filter((h): h is Handler => h !== undefined));
  return [...handlers].flatMap((handler): PageActionDefinition[] => {
    try {
      return actionDefinitionsOf(handler, { webhookUrl }).filter((d) => d.trigger.type === 'self-service');
    } catch (err) {
      const unavailable = (err as Error).message;
      const invocationMethod = { type: 'WEBHOOK', url: webhookUrl, agent: false, synchronized: handler.synchronized === true, method: 'POST' } as const;
      return actionIdsOf(handler).map((identifier) => ({
        identifier,
        trigger: { type: 'self-service', operation: 'CREATE', userInputs: { properties: {}, required: [], order: [] } },
        invocationMethod,
        unavailable,
      }));
    }
  });
}
