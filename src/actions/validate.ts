// Checks a definition against the request schema of Port's POST /v1/actions (vendored from Port's
// OpenAPI spec) and names the offending field, so an export never writes what Port would refuse.
import type { ErrorObject } from 'ajv';
import type { PortActionDefinition } from '../port/actionTypes.js';
import { openApiValidator } from '../simulator/openapi.js';
import { ActionDefinitionError } from './errors.js';

const CREATE_ACTION = 'POST /v1/actions';
const BRANCH_KEYWORDS = new Set(['oneOf', 'anyOf', 'if', 'not']);

/** The most specific error: the deepest field, and a concrete keyword over "must match one of". */
function mostSpecific(errors: ErrorObject[]): ErrorObject {
  const depth = (e: ErrorObject) => e.instancePath.split('/').length + (e.keyword === 'additionalProperties' || e.keyword === 'required' ? 1 : 0);
  return [...errors].sort((a, b) => depth(b) - depth(a) || Number(BRANCH_KEYWORDS.has(a.keyword)) - Number(BRANCH_KEYWORDS.has(b.keyword)))[0];
}

function fieldPath(e: ErrorObject): string {
  const parts = e.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') parts.push(String(e.params.additionalProperty));
  if (e.keyword === 'required') parts.push(String(e.params.missingProperty));
  return parts.join('.') || '(definition)';
}

function describe(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return 'is not a field Port knows';
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'enum') return `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
  return e.message ?? 'is invalid';
}

/** Throws ActionDefinitionError naming `where` and the field path when Port's schema refuses the definition. */
export function assertValidDefinition(def: PortActionDefinition, where: string): void {
  const errors = openApiValidator().bodyErrors(CREATE_ACTION, def);
  if (!errors) return;
  const e = mostSpecific(errors);
  const field = fieldPath(e);
  throw new ActionDefinitionError(`${where}: Port's schema refuses the definition of '${def.identifier}' at ${field}: ${describe(e)}`, { field, action: def.identifier });
}
