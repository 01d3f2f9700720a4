// A loaded handler → the Port definitions it stands for: one self-service action per action id (with its
// inputs as userInputs) and one automation when it declares one. All point at this service's webhook.
import type { AutomationTrigger, PortActionDefinition, WebhookInvocation } from '../port/actionTypes.js';
import { actionIdsOf, type Handler } from '../registry/defineHandler.js';
import { ENTITY_EVENT_TYPES, RUN_EVENT_TYPES, type AutomationEventType } from '../runtime/event.js';
import { ActionDefinitionError } from './errors.js';
import { userInputsOf } from './userInputs.js';
import { assertValidDefinition } from './validate.js';

export interface DefinitionOptions {
  /** The URL Port delivers runs to: PUBLIC_URL + /webhook. */
  webhookUrl: string;
  /** How errors name the handler, e.g. its file; default its first identifier. */
  source?: string;
}

const OPERATIONS = ['CREATE', 'DAY-2', 'DELETE'];

/** PUBLIC_URL → the webhook URL written into every definition. */
export function webhookUrlFor(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhook`;
}

export function describeHandler(handler: Handler, source?: string): string {
  return source ? `handler ${source}` : `handler '${handler.actions[0]}'`;
}

function webhook(url: string, handler: Handler): WebhookInvocation {
  return { type: 'WEBHOOK', url, agent: false, synchronized: handler.synchronized === true, method: 'POST' };
}

function texts(src: { title?: string; description?: string; icon?: string }): Pick<PortActionDefinition, 'title' | 'description' | 'icon'> {
  const out: Pick<PortActionDefinition, 'title' | 'description' | 'icon'> = {};
  if (src.title !== undefined) out.title = src.title;
  if (src.description !== undefined) out.description = src.description;
  if (src.icon !== undefined) out.icon = src.icon;
  return out;
}

function selfService(handler: Handler, identifier: string, opts: DefinitionOptions, where: string): PortActionDefinition {
  const operation = handler.operation ?? 'CREATE';
  if (!OPERATIONS.includes(operation)) throw new ActionDefinitionError(`${where}: "operation" must be one of ${OPERATIONS.join(', ')} (got ${JSON.stringify(operation)})`);
  if (operation !== 'CREATE' && !handler.blueprint) {
    throw new ActionDefinitionError(`${where}: a ${operation} action needs "blueprint" (the blueprint of the entity it acts on)`);
  }
  const approval = handler.requiredApproval;
  return {
    identifier,
    ...texts(handler),
    trigger: {
      type: 'self-service',
      operation,
      ...(handler.blueprint ? { blueprintIdentifier: handler.blueprint } : {}),
      userInputs: userInputsOf(handler.inputs, where),
    },
    invocationMethod: webhook(opts.webhookUrl, handler),
    requiredApproval: approval === 'ANY' || approval === 'ALL' ? { type: approval } : (approval ?? false),
  };
}

function automation(handler: Handler, opts: DefinitionOptions, where: string): PortActionDefinition {
  const a = handler.automation!;
  const at = `${where}: automation '${a.identifier}'`;
  const event = a.event as AutomationEventType;
  const trigger: AutomationTrigger = { type: 'automation', event: { type: event } };
  if ((ENTITY_EVENT_TYPES as readonly string[]).includes(event)) {
    if (!a.blueprint) throw new ActionDefinitionError(`${at}: ${event} needs "blueprint" (the blueprint whose entities it watches)`);
    if (a.action) throw new ActionDefinitionError(`${at}: ${event} watches entities: give "blueprint", not "action"`);
    trigger.event.blueprintIdentifier = a.blueprint;
    if (event === 'TIMER_PROPERTY_EXPIRED') {
      if (!a.property) throw new ActionDefinitionError(`${at}: TIMER_PROPERTY_EXPIRED needs "property" (the timer property)`);
      trigger.event.propertyIdentifier = a.property;
    } else if (a.property) throw new ActionDefinitionError(`${at}: "property" goes only with TIMER_PROPERTY_EXPIRED`);
  } else if ((RUN_EVENT_TYPES as readonly string[]).includes(event)) {
    if (!a.action) throw new ActionDefinitionError(`${at}: ${event} needs "action" (the action whose runs it watches)`);
    if (a.blueprint || a.property) throw new ActionDefinitionError(`${at}: ${event} watches runs: give "action", not "blueprint" or "property"`);
    trigger.event.actionIdentifier = a.action;
  } else {
    throw new ActionDefinitionError(`${at}: "event" must be one of ${[...ENTITY_EVENT_TYPES, ...RUN_EVENT_TYPES].join(', ')} (got ${JSON.stringify(event)})`);
  }
  if (a.condition) trigger.condition = { type: 'JQ', expressions: a.condition.expressions, ...(a.condition.combinator ? { combinator: a.condition.combinator } : {}) };
  return {
    identifier: a.identifier,
    ...texts({ title: a.title ?? handler.title, description: a.description, icon: a.icon ?? handler.icon }),
    trigger,
    invocationMethod: webhook(opts.webhookUrl, handler),
    publish: a.publish ?? true,
  };
}

/**
 * The Port definitions of one handler, each validated against Port's POST /v1/actions schema. Throws
 * ActionDefinitionError naming the handler (and the input or field) when one cannot be produced.
 */
export function actionDefinitionsOf(handler: Handler, opts: DefinitionOptions): PortActionDefinition[] {
  const where = describeHandler(handler, opts.source);
  const defs = actionIdsOf(handler).map((id) => selfService(handler, id, opts, where));
  if (handler.automation) defs.push(automation(handler, opts, where));
  for (const def of defs) assertValidDefinition(def, where);
  return defs;
}
