// Actions and automations as Port keeps them (POST/GET/PUT/DELETE /v1/actions): one per identifier,
// created once (409 after), replaced whole by PUT, 404 for an unknown identifier, and 422 for what the
// schema lets through but Port refuses (inputs named in `required`/`order` that do not exist, an entity
// input without its blueprint, a PUT body naming another identifier).
import type { Clock } from '../clock.js';
import type { PortAction, PortActionDefinition, UserInputs } from '../port/actionTypes.js';
import { SimError, notFound } from './simError.js';

const AUTHOR = 'sim-machine';

export interface ActionFilter {
  action_identifier?: string[];
  blueprint_identifier?: string[];
  operation?: string[];
  trigger_type?: string;
  trigger_event?: string[];
}

function checkInputs(identifier: string, inputs: UserInputs | undefined): void {
  if (!inputs) return;
  const names = new Set(Object.keys(inputs.properties ?? {}));
  for (const key of ['required', 'order'] as const) {
    const listed = inputs[key];
    if (!Array.isArray(listed)) continue;
    const unknown = listed.filter((n) => !names.has(n));
    if (unknown.length) throw new SimError(422, 'invalid_request', `Action "${identifier}": userInputs.${key} names inputs that do not exist: ${unknown.join(', ')}`);
  }
  for (const [name, input] of Object.entries(inputs.properties ?? {})) {
    const entityFormat = input.format === 'entity' || (input.items as { format?: string } | undefined)?.format === 'entity';
    const blueprint = input.blueprint ?? (input.items as { blueprint?: string } | undefined)?.blueprint;
    if (entityFormat && !blueprint) throw new SimError(422, 'invalid_request', `Action "${identifier}": the entity input "${name}" needs a blueprint`);
  }
}

function check(def: PortActionDefinition): void {
  if (def.trigger.type === 'self-service') checkInputs(def.identifier, def.trigger.userInputs);
}

export class SimActions {
  private readonly byId = new Map<string, PortAction>();

  constructor(private readonly clock: Clock) {}

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  create(def: PortActionDefinition): PortAction {
    if (this.byId.has(def.identifier)) throw new SimError(409, 'conflict', `An action or automation with identifier "${def.identifier}" already exists`);
    check(def);
    const at = this.iso();
    const action: PortAction = { ...structuredClone(def), createdAt: at, createdBy: AUTHOR, updatedAt: at, updatedBy: AUTHOR };
    this.byId.set(def.identifier, action);
    return action;
  }

  get(identifier: string): PortAction {
    const action = this.byId.get(identifier);
    if (!action) throw notFound(`Action with identifier "${identifier}"`);
    return action;
  }

  find(identifier: string): PortAction | undefined {
    return this.byId.get(identifier);
  }

  /** PUT: the body replaces the whole definition; Port keeps when and by whom it was created. */
  replace(identifier: string, def: PortActionDefinition): PortAction {
    const existing = this.get(identifier);
    if (def.identifier !== identifier) {
      throw new SimError(422, 'invalid_request', `The body's identifier "${def.identifier}" differs from the action "${identifier}" in the path`);
    }
    check(def);
    const action: PortAction = { ...structuredClone(def), createdAt: existing.createdAt, createdBy: existing.createdBy, updatedAt: this.iso(), updatedBy: AUTHOR };
    this.byId.set(identifier, action);
    return action;
  }

  remove(identifier: string): void {
    this.get(identifier);
    this.byId.delete(identifier);
  }

  list(filter: ActionFilter = {}): PortAction[] {
    return [...this.byId.values()].filter((a) => {
      const t = a.trigger as { type: string; operation?: string; blueprintIdentifier?: string; event?: { type: string; blueprintIdentifier?: string } };
      if (filter.action_identifier && !filter.action_identifier.includes(a.identifier)) return false;
      if (filter.trigger_type && t.type !== filter.trigger_type) return false;
      if (filter.operation && !(t.operation && filter.operation.includes(t.operation))) return false;
      if (filter.trigger_event && !(t.event && filter.trigger_event.includes(t.event.type))) return false;
      const blueprint = t.blueprintIdentifier ?? t.event?.blueprintIdentifier;
      if (filter.blueprint_identifier && !(blueprint && filter.blueprint_identifier.includes(blueprint))) return false;
      return true;
    });
  }

  clear(): void {
    this.byId.clear();
  }
}
