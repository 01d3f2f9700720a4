// What an automation delivery carries as `event` (Port's trigger data), typed per event type: entity
// events hold the entity before and after the change, run events the run before and after.
import type { PortEntity, PortRun } from '../port/types.js';

export type EntityEventType = 'ENTITY_CREATED' | 'ENTITY_UPDATED' | 'ENTITY_DELETED' | 'ANY_ENTITY_CHANGE' | 'TIMER_PROPERTY_EXPIRED';
export type RunEventType = 'RUN_CREATED' | 'RUN_UPDATED' | 'ANY_RUN_CHANGE';
export type AutomationEventType = EntityEventType | RunEventType;

export const ENTITY_EVENT_TYPES: readonly EntityEventType[] = ['ENTITY_CREATED', 'ENTITY_UPDATED', 'ENTITY_DELETED', 'ANY_ENTITY_CHANGE', 'TIMER_PROPERTY_EXPIRED'];
export const RUN_EVENT_TYPES: readonly RunEventType[] = ['RUN_CREATED', 'RUN_UPDATED', 'ANY_RUN_CHANGE'];

/** Who or what changed the resource (Port's `event.trigger`). */
export interface EventTrigger {
  by?: { orgId?: string; userId?: string; [key: string]: unknown };
  origin?: string;
  at?: string;
  [key: string]: unknown;
}

export interface EntityEvent<Before, After> {
  resourceType: 'entity';
  /** CREATE, UPDATE, DELETE (or Port's name for a timer expiry). */
  action: string;
  trigger: EventTrigger;
  context: { blueprintIdentifier: string; entityIdentifier: string; propertyIdentifier?: string | null; [key: string]: unknown };
  diff: { before: Before; after: After };
  [key: string]: unknown;
}

export interface RunEvent<Before, After> {
  resourceType: 'run';
  action: string;
  trigger: EventTrigger;
  /** The action definition the run belongs to. */
  context: { action: { identifier: string; [key: string]: unknown }; [key: string]: unknown };
  diff: { before: Before; after: After };
  [key: string]: unknown;
}

/** ctx.event for a handler whose automation listens to `T`. */
export type AutomationEvent<T extends AutomationEventType = AutomationEventType> = T extends 'ENTITY_CREATED'
  ? EntityEvent<null, PortEntity>
  : T extends 'ENTITY_UPDATED'
    ? EntityEvent<PortEntity, PortEntity>
    : T extends 'ENTITY_DELETED'
      ? EntityEvent<PortEntity, null>
      : T extends 'TIMER_PROPERTY_EXPIRED'
        ? EntityEvent<null | undefined, PortEntity>
        : T extends 'ANY_ENTITY_CHANGE'
          ? EntityEvent<PortEntity | null, PortEntity | null>
          : T extends 'RUN_CREATED'
            ? RunEvent<null, PortRun>
            : T extends 'RUN_UPDATED'
              ? RunEvent<PortRun, PortRun>
              : RunEvent<PortRun | null, PortRun | null>;
