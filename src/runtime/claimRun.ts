// What a worker does with a run the queue hands it, on a store shared by replicas: claim it first. A run
// that was waiting is executed; a run that was already running belonged to a worker that died (the queue
// only hands out a running run after its lock expired), so it is finalized FAILURE "interrupted" with its
// last progress, or executed again when its handler says that is safe (retryOnRestart). The claim makes
// this worker the run's owner: the dead one, should it come back, is fenced off its writes.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AsyncRunStore, Fence, RunRecord } from '../journal/asyncStore.js';
import type { Registry } from '../registry/registry.js';

export const INTERRUPTED_PREFIX = 'interrupted';

/** The label of a run whose worker died: names the last progress, so Port's page says where it stopped. */
export function interruptedLabel(lastLog: string | null): string {
  const label = lastLog === null ? `${INTERRUPTED_PREFIX}: its worker stopped before reporting any progress` : `${INTERRUPTED_PREFIX}: ${lastLog}`;
  return label.length > 200 ? `${label.slice(0, 197)}...` : label;
}

export interface ClaimRunOptions {
  store: AsyncRunStore;
  registry: Registry;
  clock: Clock;
  logger: Logger;
  /** Executes a claimed run under `fence` to its final status. */
  execute(record: RunRecord, fence: Fence): Promise<void>;
}

export type ClaimOutcome = 'executed' | 'rerun' | 'interrupted' | 'already-finished' | 'missing';

export function createClaimRun(opts: ClaimRunOptions): (runId: string, fence: Fence) => Promise<ClaimOutcome> {
  const { store, clock, logger } = opts;
  return async (runId, fence) => {
    const verdict = await store.claim(runId, fence, clock.now());
    if (verdict === 'finished') return 'already-finished';
    const record = await store.get(runId);
    if (verdict === 'missing' || !record) {
      logger.warn('a queued job names a run the store does not know (expired?): skipped', { runId });
      return 'missing';
    }
    if (verdict === 'started') {
      await opts.execute(record, fence);
      return 'executed';
    }
    const action = record.action ?? record.invocation.action;
    const handler = action ? opts.registry.resolve(action, record.invocation.blueprint)?.handler : undefined;
    if (handler?.retryOnRestart && !record.synchronized) {
      logger.info('rerunning a run whose worker died (retryOnRestart)', { runId, action });
      await opts.execute(record, fence);
      return 'rerun';
    }
    const last = await store.lastLog(runId);
    const label = interruptedLabel(last);
    // The final status and its delivery together; the outbox delivers it after the dead worker's owed reports.
    const recorded = await store.recordFinal(runId, { status: 'FAILURE', label }, { kind: 'final', status: 'FAILURE', label }, clock.now(), fence);
    if (recorded) logger.warn('run interrupted: its worker died; finalized FAILURE', { runId, action, label });
    return recorded ? 'interrupted' : 'already-finished';
  };
}
