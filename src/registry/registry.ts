// Action id → handler. Exact ids win; otherwise a 2024-migration prefix (`<blueprint>_<name>`) is stripped
// so handlers written for the old, unprefixed ids keep working.
import { CodedError } from '../errors.js';
import type { Handler } from './defineHandler.js';

export interface ResolvedHandler {
  handler: Handler;
  /** The registered id that matched (what metrics and ctx.action use). */
  action: string;
}

export interface Registry {
  resolve(action: string, blueprint: string | null): ResolvedHandler | null;
  /** Exact lookup, no prefix stripping. */
  get(action: string): Handler | undefined;
  /** Registered action ids, sorted. */
  actions(): string[];
}

/** Candidate ids for a delivered action, most specific first (the exact id is tried before these). */
export function prefixCandidates(action: string, blueprint: string | null): string[] {
  if (blueprint && action.startsWith(`${blueprint}_`) && action.length > blueprint.length + 1) {
    return [action.slice(blueprint.length + 1)];
  }
  const out: string[] = [];
  for (let i = action.indexOf('_'); i !== -1; i = action.indexOf('_', i + 1)) {
    const suffix = action.slice(i + 1);
    if (suffix) out.push(suffix);
  }
  return out; // indexOf walks left to right, so the longest suffix comes first
}

/** Builds a registry; two handlers for one action id → handler_load_failed. */
export function createRegistry(handlers: readonly Handler[]): Registry {
  const byAction = new Map<string, Handler>();
  for (const handler of handlers) {
    for (const action of handler.actions) {
      if (byAction.has(action)) {
        throw new CodedError('handler_load_failed', `two handlers declare action '${action}': keep one of them`, { action });
      }
      byAction.set(action, handler);
    }
  }
  return {
    resolve(action, blueprint) {
      const exact = byAction.get(action);
      if (exact) return { handler: exact, action };
      for (const candidate of prefixCandidates(action, blueprint)) {
        const handler = byAction.get(candidate);
        if (handler) return { handler, action: candidate };
      }
      return null;
    },
    get: (action) => byAction.get(action),
    actions: () => [...byAction.keys()].sort(),
  };
}
