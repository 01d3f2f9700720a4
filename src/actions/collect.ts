// Every loaded handler's definitions, with the handlers that could not be expressed kept apart: one bad
// handler is reported, it never hides the others (and never stops the service from running it).
import path from 'node:path';
import type { PortActionDefinition } from '../port/actionTypes.js';
import type { LoadedHandler } from '../registry/loadHandlers.js';
import { actionDefinitionsOf } from './definition.js';
import { ActionDefinitionError } from './errors.js';

export interface CollectedDefinitions {
  definitions: PortActionDefinition[];
  errors: ActionDefinitionError[];
}

export function collectDefinitions(modules: readonly LoadedHandler[], webhookUrl: string, cwd = process.cwd()): CollectedDefinitions {
  const definitions: PortActionDefinition[] = [];
  const errors: ActionDefinitionError[] = [];
  for (const { file, handler } of modules) {
    try {
      definitions.push(...actionDefinitionsOf(handler, { webhookUrl, source: path.relative(cwd, file) || file }));
    } catch (err) {
      if (!(err instanceof ActionDefinitionError)) throw err;
      errors.push(err);
    }
  }
  return { definitions, errors };
}
