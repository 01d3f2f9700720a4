// Port's own rules for entity writes (from its OpenAPI spec), checked before anything is journaled: a
// write Port would refuse fails at once with a message naming the field, not later as a 422 from Port.
import type { OutboxOp } from '../journal/store.js';

const IDENTIFIER = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$/u;
const PATCH_PROPERTY_KEY = /^[A-Za-z0-9@_=\\-]+$/;
const MAX_IDENTIFIER = 1000;

function identifierProblem(what: string, value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return `${what} must be a non-empty string`;
  if (value.length > MAX_IDENTIFIER) return `${what} is longer than ${MAX_IDENTIFIER} characters`;
  if (!IDENTIFIER.test(value)) return `${what} ${JSON.stringify(value)} has characters Port does not allow (letters, digits and @_.+:\\/=- only)`;
  return null;
}

type EntityOp = Extract<OutboxOp, { kind: `entity.${string}` }>;

/** Why Port would refuse this entity write, or null. */
export function entityWriteProblem(op: EntityOp): string | null {
  if (typeof op.blueprint !== 'string' || op.blueprint.length === 0) return 'blueprint must be a non-empty string';
  switch (op.kind) {
    case 'entity.create':
      if (typeof op.entity !== 'object' || op.entity === null) return 'entity must be an object';
      return identifierProblem('entity identifier', op.entity.identifier);
    case 'entity.bulk':
      for (const [i, e] of op.entities.entries()) {
        const problem = identifierProblem(`entities[${i}].identifier`, e?.identifier);
        if (problem) return problem;
      }
      return null;
    case 'entity.update': {
      const problem = identifierProblem('entity identifier', op.identifier);
      if (problem) return problem;
      const bad = Object.keys(op.entity.properties ?? {}).find((k) => !PATCH_PROPERTY_KEY.test(k));
      return bad === undefined ? null : `property key ${JSON.stringify(bad)} is not allowed in an update (A-Z a-z 0-9 @ _ = - only)`;
    }
    default:
      return identifierProblem('entity identifier', op.identifier);
  }
}
