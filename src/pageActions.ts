// The Port action definitions the local run page draws its forms from: one per loaded handler, exactly
// what `npm start` puts into the embedded simulator (so the page shows what Port would show).
import type { Registry } from './registry/registry.js';
import type { PageActionDefinition } from './simulator/index.js';

export function pageActionDefinitions(registry: Registry): PageActionDefinition[] {
  return registry.actions().map((identifier) => ({
    identifier,
    trigger: { type: 'self-service', operation: 'CREATE', userInputs: { properties: {}, required: [], order: [] } },
    invocationMethod: { type: 'WEBHOOK', synchronized: registry.get(identifier)?.synchronized === true },
  }));
}
