// How a journal stores an invocation. Its inputs, entity and trigger are parts of its body, so a stored
// invocation holds the body once and they are derived from it again on load; and the body is written as
// the JSON text it arrived as, when the caller has it, instead of being serialised again. On a 2 KB
// delivery that is one copy of the body instead of two (the row stays inside one page) and no stringify
// on the path before the 202. Rows written in the full form (older journals, compacted runs, invocations
// whose parts were changed) load as they are.
import { bodyParts } from '../normalize/normalize.js';
import type { Invocation } from '../normalize/invocation.js';

/**
 * The stored text of `invocation`. `payloadJson`, when given, must be the JSON text `invocation.payload`
 * was parsed from (the verified body).
 */
export function encodeInvocation(invocation: Invocation, payloadJson?: string): string {
  const { payload } = invocation;
  const parts = bodyParts(payload);
  // Only an invocation whose parts are its body's (as the normalizer made them) can be rebuilt from it.
  if (payload === undefined || !sameInputs(parts.inputs, invocation.inputs) || parts.entity !== invocation.entity || parts.trigger !== invocation.trigger) {
    return JSON.stringify(invocation);
  }
  const head = JSON.stringify({
    runId: invocation.runId,
    ...(invocation.runIdFromHeader ? { runIdFromHeader: true } : {}),
    action: invocation.action,
    blueprint: invocation.blueprint,
  });
  return `${head.slice(0, -1)},"payload":${payloadJson ?? JSON.stringify(payload)}}`;
}

/**
 * The body's own inputs: the same object, or (the default template spreads the inputs beside port_context,
 * an automation sends none) a fresh object holding the same values.
 */
function sameInputs(derived: Record<string, unknown>, actual: Record<string, unknown>): boolean {
  if (derived === actual) return true;
  const keys = Object.keys(derived);
  return keys.length === Object.keys(actual).length && keys.every((k) => Object.hasOwn(actual, k) && derived[k] === actual[k]);
}

export function decodeInvocation(text: string): Invocation {
  const stored = JSON.parse(text) as Invocation | Omit<Invocation, 'inputs' | 'entity' | 'trigger'>;
  return 'inputs' in stored ? stored : { ...stored, ...bodyParts(stored.payload) };
}
