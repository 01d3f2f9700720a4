// Applies a sync plan through the Port client: POST what is missing, PUT what differs, DELETE orphans
// only when pruning. Each action is its own request: one refusal is reported and the rest still go.
import type { PortAction, PortActionDefinition } from '../port/actionTypes.js';
import type { PortCallOptions } from '../port/types.js';
import { planSync, type SyncPlan } from './drift.js';

/** What sync needs from Port (the PortClient has it). */
export interface PortActionsApi {
  listActions(opts?: PortCallOptions): Promise<PortAction[]>;
  createAction(def: PortActionDefinition, opts?: PortCallOptions): Promise<PortAction>;
  updateAction(def: PortActionDefinition, opts?: PortCallOptions): Promise<PortAction>;
  deleteAction(identifier: string, opts?: PortCallOptions): Promise<void>;
}

export interface SyncResult {
  plan: SyncPlan;
  created: string[];
  updated: string[];
  deleted: string[];
  failed: Array<{ identifier: string; operation: 'create' | 'update' | 'delete'; message: string }>;
}

export async function readPlan(port: PortActionsApi, definitions: readonly PortActionDefinition[], opts: { webhookUrl: string; prune: boolean }): Promise<SyncPlan> {
  return planSync(definitions, await port.listActions(), opts);
}

export async function applyPlan(port: PortActionsApi, plan: SyncPlan): Promise<SyncResult> {
  const result: SyncResult = { plan, created: [], updated: [], deleted: [], failed: [] };
  const attempt = async (identifier: string, operation: 'create' | 'update' | 'delete', call: () => Promise<unknown>, done: string[]) => {
    try {
      await call();
      done.push(identifier);
    } catch (err) {
      result.failed.push({ identifier, operation, message: err instanceof Error ? err.message : String(err) });
    }
  };
  for (const def of plan.create) await attempt(def.identifier, 'create', () => port.createAction(def), result.created);
  for (const { definition } of plan.update) await attempt(definition.identifier, 'update', () => port.updateAction(definition), result.updated);
  if (plan.prune) for (const a of plan.orphans) await attempt(a.identifier, 'delete', () => port.deleteAction(a.identifier), result.deleted);
  return result;
}

export async function syncActions(port: PortActionsApi, definitions: readonly PortActionDefinition[], opts: { webhookUrl: string; prune: boolean }): Promise<SyncResult> {
  return applyPlan(port, await readPlan(port, definitions, opts));
}

/** One summary line: "no change" when Port already matched. */
export function describeResult(r: SyncResult): string {
  const { created, updated, deleted, failed } = r;
  if (created.length + updated.length + deleted.length + failed.length === 0) return `no change (${r.plan.unchanged.length} up to date)`;
  return `${created.length} created, ${updated.length} updated, ${deleted.length} deleted, ${r.plan.unchanged.length} unchanged${failed.length ? `, ${failed.length} failed` : ''}`;
}
