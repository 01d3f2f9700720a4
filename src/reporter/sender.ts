// One batch of a run's ops → the one Port API call that sends it (the outbox's sender), with the budget that fits: the call
// carrying a final status gets the generous one, since it is the report that must not be lost.
import { PortApiError } from '../port/errors.js';
import type { PortApi, PortCallOptions } from '../port/types.js';
import type { Batch } from './mergeOps.js';

export interface CallBudgets {
  callBudgetMs?: number;
  finalCallBudgetMs?: number;
}

export type Send = (runId: string, batch: Batch, action?: string) => Promise<unknown>;

export function createSender(port: PortApi, budgets: CallBudgets): Send {
  const options = (runId: string, final: boolean, action: string | undefined): PortCallOptions => {
    const budgetMs = final ? budgets.finalCallBudgetMs : budgets.callBudgetMs;
    return { runId, ...(action ? { action } : {}), ...(budgetMs === undefined ? {} : { budgetMs }) };
  };

  return async (runId, batch, action) => {
    const o = options(runId, batch.final, action);
    const { call } = batch;
    if (call.kind === 'patch') return port.patchRun(runId, call.body, o);
    if (call.kind === 'log') return port.addRunLog(runId, call.body, o);
    const op = call.op;
    switch (op.kind) {
      case 'entity.create':
        return port.createEntity(op.blueprint, op.entity, op.query, o);
      case 'entity.replace':
        return port.replaceEntity(op.blueprint, op.identifier, op.entity, op.query, o);
      case 'entity.update':
        return port.updateEntity(op.blueprint, op.identifier, op.entity, op.query, o);
      case 'entity.delete':
        return port.deleteEntity(op.blueprint, op.identifier, op.query, o);
      case 'entity.bulk':
        return port.bulkCreateEntities(op.blueprint, op.entities, op.query, o);
    }
  };
}

/** What the journal records about a failed attempt: status, Port's code and message (never a stack). */
export function describeError(err: unknown): string {
  if (err instanceof PortApiError) return `${err.status}${err.portError ? ` ${err.portError}` : ''}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
