import { CodedError } from '../errors.js';

/** A handler whose Port definition cannot be produced or is refused by Port's schema: names the handler and the field. */
export class ActionDefinitionError extends CodedError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid_action_definition', message, details);
    this.name = 'ActionDefinitionError';
  }
}
