// The handler's RunReporter: every report is journaled first (so it survives a crash) and delivered by the
// run's outbox lane. Progress calls resolve once journaled; entity writes resolve with Port's answer; the
// first success()/failure() decides the one final status, which the lane sends after every earlier op.
import type { Clock } from '../clock.js';
import { CodedError, publicMessage } from '../errors.js';
import type { Fence, OutboxOp } from '../journal/asyncStore.js';
import type { Logger } from '../logger.js';
import type { EntityInput, FinalStatus, PortEntity, RunPatch } from '../port/types.js';
import type { Outbox } from './outbox.js';
import { MAX_LOG_BYTES, truncateLogMessage } from './truncate.js';
import { entityWriteProblem } from './validateEntity.js';
import type { EntityOptions, ManagedRunReporter, Outcome, ReportReplay, UpsertOptions } from './types.js';

export interface RunReporterOptions {
  runId: string;
  action: string | null;
  /** Port sets a synchronized run's status from the HTTP answer: no final status is sent. */
  synchronized: boolean;
  outbox: Outbox;
  /** The execution's owner token: a worker that lost the run is refused its writes (null: one process owns all). */
  fence?: Fence;
  logger: Logger;
  clock: Clock;
  maxLogBytes?: number;
  /** A resumable run: reports already journaled by an earlier execution are not made again. */
  replay?: ReportReplay;
}

/** A label safe for Port's run page: the first line only, never a stack. */
function finalLabel(label: unknown): string | undefined {
  if (label === undefined || label === null) return undefined;
  if (label instanceof Error) return publicMessage(label);
  const text = String(label);
  return text.trim() === '' ? '' : publicMessage(text);
}

/** Resolved or rejected, never an unhandled rejection when the handler did not await. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

export function createRunReporter(opts: RunReporterOptions): ManagedRunReporter {
  const { runId, action, outbox } = opts;
  const meta = { ...(action ? { action } : {}), fence: opts.fence ?? null };
  const logger = opts.logger;
  const maxLogBytes = opts.maxLogBytes ?? MAX_LOG_BYTES;
  const replay = opts.replay;
  const links: string[] = [...(replay?.links ?? [])];
  let status: FinalStatus | null = null;
  let statusLabel: string | null = null;
  let pendingEntityWrites = 0;

  /** Journals a progress report, or drops it with a local warning once the run is finished. */
  function progress(call: string, op: () => OutboxOp): Promise<void> {
    if (status !== null) {
      logger.warn(`${call}() after the final status was dropped: Port no longer accepts it`, { runId, action, call });
      return Promise.resolve();
    }
    const id = replay?.next();
    if (id === null || id?.done) return Promise.resolve(); // paused, or already journaled by an earlier execution
    return handled(
      outbox.append(runId, id ? { ...op(), callId: id.callId } : op(), meta).then(
        () => undefined,
        (err: unknown) => {
          logger.error(`${call}() could not be journaled`, { runId, action, error: (err as Error).message });
          throw err;
        },
      ),
    );
  }

  function patch(call: string, body: RunPatch): Promise<void> {
    return progress(call, () => ({ kind: 'patch', body }));
  }

  function entityWrite<T>(op: Extract<OutboxOp, { kind: `entity.${string}` }>): Promise<T> {
    if (status !== null) {
      return handled(
        Promise.reject(
          new CodedError('run_finished', `run ${runId} already has its final status: Port no longer ties entity writes to it`, { runId }),
        ),
      );
    }
    const problem = entityWriteProblem(op);
    if (problem !== null) return handled(Promise.reject(new CodedError('invalid_entity', `${op.kind.slice(7)} on ${op.blueprint}: ${problem}`, { runId })));
    const id = replay?.next();
    if (id === null) return handled(Promise.reject(new CodedError('run_paused', `run ${runId} was paused by the shutdown: it resumes at the next start`, { runId })));
    // Already written by an earlier execution: Port's answer from then. Without a kept answer (the process
    // died between Port's answer and journaling it) the write is sent again.
    if (id?.done && id.answer?.answer !== undefined) return Promise.resolve(id.answer.answer as T);
    pendingEntityWrites++;
    return handled(
      outbox
        .appendAndAwait(runId, id ? { ...op, callId: id.callId } : op, meta)
        .then((answer) => {
          if (id) replay!.answered(id.callId, answer ?? null);
          return answer;
        })
        .finally(() => {
          pendingEntityWrites--;
        }) as Promise<T>,
    );
  }

  function finalize(next: FinalStatus, label: unknown, quiet = false): Promise<boolean> {
    if (status !== null) {
      if (quiet) return Promise.resolve(false);
      logger.warn('a second final status was ignored: the first one stands', { runId, action, first: status, ignored: next });
      return Promise.resolve(false);
    }
    const text = finalLabel(label);
    // Decided now, so every later report is dropped; undecided again if the store cannot record it (the
    // runtime's own finalize then tries once more, and a run left "running" is recovered).
    status = next;
    statusLabel = text ?? null;
    const op: OutboxOp | null = opts.synchronized ? null : { kind: 'final', status: next, ...(text !== undefined ? { label: text } : {}) };
    // The status and its delivery together or not at all: a finished run without its final op would stay
    // IN_PROGRESS on Port.
    return handled(
      outbox.recordFinal(runId, { status: next, label: text ?? null }, op, meta).then(
        (recorded) => {
          if (!recorded) logger.warn('the run already had a final status in the store (another worker finalized it): that one stands', { runId, action, ignored: next });
          return recorded;
        },
        (err: unknown) => {
          status = null;
          statusLabel = null;
          logger.error('the final status could not be journaled', { runId, action, error: (err as Error).message });
          throw err;
        },
      ),
    );
  }

  const withRunId = <Q extends object>(query: Q): Q & { runId: string } => ({ ...query, runId });
  const missing = (o?: EntityOptions | UpsertOptions) =>
    o?.createMissingRelatedEntities === undefined ? {} : { createMissingRelatedEntities: o.createMissingRelatedEntities };

  return {
    runId,
    get finished() {
      return status !== null;
    },
    get status() {
      return status;
    },
    get statusLabel() {
      return statusLabel;
    },
    get pendingEntityWrites() {
      return pendingEntityWrites;
    },
    log(message) {
      return progress('log', () => ({ kind: 'log', message: truncateLogMessage(String(message), maxLogBytes) }));
    },
    setStatusLabel(label) {
      return patch('setStatusLabel', { statusLabel: String(label) });
    },
    addLink(url) {
      if (status === null) links.push(String(url));
      // Port overwrites `link` on every PATCH: always send the whole list.
      return patch('addLink', { link: [...links] });
    },
    setSummary(text) {
      return patch('setSummary', { summary: String(text) });
    },
    setExternalRunId(id) {
      return patch('setExternalRunId', { externalRunId: String(id) });
    },
    upsertEntity(blueprint, entity, o) {
      return entityWrite<PortEntity>({
        kind: 'entity.create',
        blueprint,
        entity,
        query: withRunId({ upsert: true, merge: o?.merge ?? false, ...missing(o) }),
      });
    },
    updateEntity(blueprint, identifier, body, o) {
      return entityWrite<PortEntity>({ kind: 'entity.update', blueprint, identifier, entity: body, query: withRunId(missing(o)) });
    },
    replaceEntity(blueprint, identifier, entity: EntityInput, o) {
      return entityWrite<PortEntity>({ kind: 'entity.replace', blueprint, identifier, entity, query: withRunId(missing(o)) });
    },
    deleteEntity(blueprint, identifier, o) {
      const query = withRunId(o?.deleteDependents === undefined ? {} : { deleteDependents: o.deleteDependents });
      return handled(entityWrite<unknown>({ kind: 'entity.delete', blueprint, identifier, query }).then(() => undefined));
    },
    success(label) {
      return handled(finalize('SUCCESS', label).then(() => undefined));
    },
    failure(label) {
      return handled(finalize('FAILURE', label).then(() => undefined));
    },
    /** The runtime's auto-finalize: silent when the handler already decided. */
    finalizeIfOpen(outcome: Outcome) {
      return finalize(outcome.status, outcome.label, true);
    },
    drained() {
      return outbox.drained(runId);
    },
  };
}
