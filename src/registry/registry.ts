// Action id → handler. Exact ids win; otherwise the run's own blueprint prefix (`<blueprint>_<name>`, from
// Port's 2024 migration) is stripped so handlers written for the old, unprefixed ids keep working. Nothing
// else is stripped: `dry_run_delete_repo` must never run `delete_repo` because the suffix happens to match.
import { CodedError } from '../errors.js';
import type { Handler } from './defineHandler.js';

export interface ResolvedHandler {
  handler: Handler;
  /** The registered id that matched (what metrics and ctx.action use). */
  action: string;
}

export interface Registry {
  resolve(action: string, blueprint: string | null): ResolvedHandler | null;
  /**
   * True when only the run's blueprint can decide: no exact handler, no blueprint known, yet a handler exists
   * for what follows some `_` in the id. The caller then asks Port for the run's blueprint instead of guessing.
   */
  needsBlueprint(action: string, blueprint: string | null): boolean;
  /** Exact lookup, no prefix stripping. */
  get(action: string): Handler | undefined;
  /** Registered action ids, sorted. */
  actions(): string[];
}

/** The id without the run's own blueprint prefix, or null when the id does not carry it. */
export function stripBlueprintPrefix(action: string, blueprint: string | null): string | null {
  if (blueprint && action.startsWith(`${blueprint}_`) && action.length > blueprint.length + 1) {
    return action.slice(blueprint.length + 1);
  }
  return null;
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
      const stripped = stripBlueprintPrefix(action, blueprint);
      const handler = stripped === null ? undefined : byAction.get(stripped);
      return handler && stripped !== null ? { handler, action: stripped } : null;
    },
    needsBlueprint(action, blueprint) {
      if (blueprint !== null || byAction.has(action)) return false;
      for (let i = action.indexOf('_'); i !== -1; i = action.indexOf('_', i + 1)) {
        if (byAction.has(action.slice(i + 1))) return true;
      }
      return false;
    },
    get: (action) => byAction.get(action),
    actions: () => [...byAction.keys()].sort(),
  };
}
