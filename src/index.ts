// The public entry for handler authors: `import { defineHandler } from '../src/index.js'`.
export { defineHandler } from './registry/defineHandler.js';
export type { Handler, HandlerSpec } from './registry/defineHandler.js';
export type { RunContext, RunTrigger } from './runtime/context.js';
export type { RunReporter, UpsertOptions, EntityOptions } from './reporter/types.js';
export type { EntityInput, PortEntity, FinalStatus } from './port/types.js';
export { CodedError } from './errors.js';
