// The slice of a Port action definition the page reads: what Port's own run form is drawn from
// (`trigger.userInputs`: properties with type / format / enum / default / title / description, the
// required list and the order), the operation and blueprint (day-2 actions pick an entity), and
// whether the webhook is synchronized.
import type { PortActionDefinition, UserInput, UserInputType } from '../../port/actionTypes.js';

/** A Port action definition as the simulator keeps it. */
export type PageActionDefinition = PortActionDefinition;
export type UserInputSpec = UserInput;
export type { UserInputType };

/** An array input's items (typed loosely by the definition's own type). */
export function itemsOf(spec: UserInputSpec): { type?: UserInputType; format?: string; enum?: unknown[] } | undefined {
  return spec.items as { type?: UserInputType; format?: string; enum?: unknown[] } | undefined;
}

export function operationOf(def: PageActionDefinition): string {
  return def.trigger.type === 'self-service' ? def.trigger.operation : 'AUTOMATION';
}

export interface FormInput {
  key: string;
  spec: UserInputSpec;
  required: boolean;
}

/** The inputs in Port's display order: `order` first, then the remaining keys as declared. */
export function formInputs(def: PageActionDefinition): FormInput[] {
  const ui = def.trigger.type === 'self-service' ? def.trigger.userInputs : undefined;
  const props = ui?.properties ?? {};
  const required = new Set(Array.isArray(ui?.required) ? ui.required : []);
  const order = ui?.order ?? [];
  const keys = [...order.filter((k) => k in props), ...Object.keys(props).filter((k) => !order.includes(k))];
  return keys.map((key) => ({ key, spec: props[key], required: required.has(key) }));
}

/** Day-2 and delete actions run on an existing entity of the action's blueprint. */
export function entityBlueprint(def: PageActionDefinition): string | null {
  const t = def.trigger;
  return t.type === 'self-service' && (t.operation === 'DAY-2' || t.operation === 'DELETE') && t.blueprintIdentifier ? t.blueprintIdentifier : null;
}

/** The blueprint the action belongs to (also for CREATE actions), else null. */
export function actionBlueprint(def: PageActionDefinition): string | null {
  return def.trigger.type === 'self-service' ? (def.trigger.blueprintIdentifier ?? null) : null;
}

export function actionTitle(def: PageActionDefinition): string {
  return def.title?.trim() || def.identifier;
}
