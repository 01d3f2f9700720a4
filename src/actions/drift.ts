// What differs between the handlers' definitions and Port's copies, per action and field, and the plan
// that makes Port match: create what is missing, update what differs, and (only with prune) delete
// actions that point at this service's webhook but have no handler any more.
import { isDeepStrictEqual } from 'node:util';
import type { PortAction, PortActionDefinition } from '../port/actionTypes.js';

export interface FieldChange {
  /** Dotted path, e.g. `trigger.userInputs.properties.region.title`. */
  field: string;
  /** Port's value (undefined: Port does not have the field). */
  port: unknown;
  /** The handlers' value (undefined: the handlers do not set it). */
  handlers: unknown;
}

export interface SyncPlan {
  create: PortActionDefinition[];
  update: Array<{ definition: PortActionDefinition; changes: FieldChange[] }>;
  unchanged: string[];
  /** Port actions with this service's webhook and no handler: deleted only with prune. */
  orphans: PortAction[];
  prune: boolean;
}

// Written by Port, not by the definition.
const SERVER_FIELDS = new Set(['id', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy']);
// Values Port fills in when a definition leaves them out: not drift.
const PORT_DEFAULTS: Record<string, unknown> = {
  publish: true,
  requiredApproval: false,
  allowAnyoneToViewRuns: true,
  'invocationMethod.agent': false,
  'invocationMethod.synchronized': false,
  'invocationMethod.method': 'POST',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaves by dotted path; arrays are compared whole, empty objects and arrays count as absent. */
function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (prefix === '' && SERVER_FIELDS.has(k)) continue;
      leaves(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
    out.set(prefix, value);
  }
  return out;
}

export function diffDefinition(definition: PortActionDefinition, port: PortAction): FieldChange[] {
  const want = leaves(definition, '', new Map());
  const have = leaves(port, '', new Map());
  const changes: FieldChange[] = [];
  for (const field of new Set([...want.keys(), ...have.keys()])) {
    const handlers = want.get(field);
    const ported = have.get(field);
    if (isDeepStrictEqual(handlers, ported)) continue;
    if (handlers === undefined && field in PORT_DEFAULTS && isDeepStrictEqual(ported, PORT_DEFAULTS[field])) continue;
    changes.push({ field, port: ported, handlers });
  }
  return changes.sort((a, b) => a.field.localeCompare(b.field));
}

/** The webhook is this service's: exactly its URL, or one of its `/webhook/:action` routes. */
export function pointsAt(action: PortAction, webhookUrl: string): boolean {
  const m = action.invocationMethod as { type?: string; url?: unknown } | undefined;
  if (m?.type !== 'WEBHOOK' || typeof m.url !== 'string') return false;
  const url = m.url.replace(/\/+$/, '');
  return url === webhookUrl || url.startsWith(`${webhookUrl}/`);
}

export function planSync(definitions: readonly PortActionDefinition[], port: readonly PortAction[], opts: { webhookUrl: string; prune: boolean }): SyncPlan {
  const byId = new Map(port.map((a) => [a.identifier, a]));
  const plan: SyncPlan = { create: [], update: [], unchanged: [], orphans: [], prune: opts.prune };
  for (const definition of definitions) {
    const existing = byId.get(definition.identifier);
    if (!existing) plan.create.push(definition);
    else {
      const changes = diffDefinition(definition, existing);
      if (changes.length) plan.update.push({ definition, changes });
      else plan.unchanged.push(definition.identifier);
    }
  }
  const wanted = new Set(definitions.map((d) => d.identifier));
  plan.orphans = port.filter((a) => !wanted.has(a.identifier) && pointsAt(a, opts.webhookUrl));
  return plan;
}

/** Something to do: creates, updates, or (with prune) deletes. */
export function planChanges(plan: SyncPlan): boolean {
  return plan.create.length > 0 || plan.update.length > 0 || (plan.prune && plan.orphans.length > 0);
}

const show = (v: unknown): string => (v === undefined ? '(absent)' : JSON.stringify(v));

/** The plan as lines for a person: `+` create, `~` update with each field, `-` delete. */
export function describePlan(plan: SyncPlan): string[] {
  const lines: string[] = [];
  for (const d of plan.create) lines.push(`+ ${d.identifier}: not in Port (${d.trigger.type === 'automation' ? 'automation' : 'action'})`);
  for (const { definition, changes } of plan.update) {
    lines.push(`~ ${definition.identifier}: ${changes.length} ${changes.length === 1 ? 'field differs' : 'fields differ'}`);
    for (const c of changes) lines.push(`    ${c.field}: Port ${show(c.port)} → handlers ${show(c.handlers)}`);
  }
  for (const a of plan.orphans) {
    lines.push(plan.prune ? `- ${a.identifier}: points at this service but has no handler (deleted with --prune)` : `  ${a.identifier}: points at this service but has no handler (kept; sync --prune deletes it)`);
  }
  return lines;
}
