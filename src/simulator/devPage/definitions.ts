// The slice of a Port action definition the page reads: what Port's own run form is drawn from
// (`trigger.userInputs`: properties with type / format / enum / default / title / description, the
// required list and the order), the operation and blueprint (day-2 actions pick an entity), and
// whether the webhook is synchronized.

export type UserInputType = 'string' | 'number' | 'boolean' | 'array' | 'object';

export interface UserInputSpec {
  type: UserInputType;
  title?: string;
  description?: string;
  format?: string;
  /** The blueprint of a `format: 'entity'` input. */
  blueprint?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: { type?: UserInputType; format?: string; blueprint?: string; enum?: unknown[] };
  [key: string]: unknown;
}

export interface PageActionDefinition {
  identifier: string;
  title?: string;
  description?: string;
  icon?: string;
  trigger: {
    type: string;
    operation?: string;
    blueprintIdentifier?: string;
    userInputs?: { properties?: Record<string, UserInputSpec>; required?: unknown; order?: string[] };
    [key: string]: unknown;
  };
  invocationMethod?: { type?: string; synchronized?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

export interface FormInput {
  key: string;
  spec: UserInputSpec;
  required: boolean;
}

/** The inputs in Port's display order: `order` first, then the remaining keys as declared. */
export function formInputs(def: PageActionDefinition): FormInput[] {
  const ui = def.trigger.userInputs ?? {};
  const props = ui.properties ?? {};
  const required = new Set(Array.isArray(ui.required) ? ui.required.filter((k): k is string => typeof k === 'string') : []);
  const keys = [...(ui.order ?? []).filter((k) => k in props), ...Object.keys(props).filter((k) => !(ui.order ?? []).includes(k))];
  return keys.map((key) => ({ key, spec: props[key], required: required.has(key) }));
}

/** Day-2 and delete actions run on an existing entity of the action's blueprint. */
export function entityBlueprint(def: PageActionDefinition): string | null {
  const op = def.trigger.operation;
  return (op === 'DAY-2' || op === 'DELETE') && def.trigger.blueprintIdentifier ? def.trigger.blueprintIdentifier : null;
}

export function actionTitle(def: PageActionDefinition): string {
  return def.title?.trim() || def.identifier;
}
