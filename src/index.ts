// The public entry for handler authors: `import { defineHandler } from '../src/index.js'`.
export { defineHandler } from './registry/defineHandler.js';
export type { Handler, HandlerSpec } from './registry/defineHandler.js';
export type { RunContext, RunTrigger } from './runtime/context.js';
export type { RunReporter, UpsertOptions, EntityOptions } from './reporter/types.js';
export type { EntityInput, PortEntity, FinalStatus } from './port/types.js';
export { CodedError } from './errors.js';
export type { ActionMetadata, ActionOperation, AutomationSpec } from './registry/defineHandler.js';
export type { AutomationEvent, AutomationEventType, EntityEvent, RunEvent } from './runtime/event.js';
export type { PortReads } from './runtime/portReads.js';
export { PortReadError } from './runtime/portReads.js';
// Typed `.meta({ format, blueprint, enumTitles, … })` on input schemas.
export type { PortInputDetails } from './actions/userInputs.js';
export type { PortBlueprint, SearchQuery, SearchRule } from './port/types.js';
