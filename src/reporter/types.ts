import type { DeleteEntityOptions, EntityInput, FinalStatus, PortEntity } from '../port/types.js';

export interface UpsertOptions {
  /** Update only the given fields (Port's merge=true); default false, as Port: fields not sent are cleared. */
  merge?: boolean;
  createMissingRelatedEntities?: boolean;
}

export interface EntityOptions {
  createMissingRelatedEntities?: boolean;
}

/** The outcome the runtime asks for when the handler did not finalize itself. */
export interface Outcome {
  status: FinalStatus;
  label?: string;
}

/**
 * What a handler uses to make Port's run page tell the truth. Progress calls (log, label, link, summary,
 * external id) resolve once journaled; entity writes resolve with Port's answer; exactly one final status.
 */
export interface RunReporter {
  readonly runId: string;
  log(message: string): Promise<void>;
  setStatusLabel(label: string): Promise<void>;
  addLink(url: string): Promise<void>;
  setSummary(text: string): Promise<void>;
  setExternalRunId(id: string): Promise<void>;
  upsertEntity(blueprint: string, entity: EntityInput, opts?: UpsertOptions): Promise<PortEntity>;
  updateEntity(blueprint: string, identifier: string, patch: Partial<EntityInput>, opts?: EntityOptions): Promise<PortEntity>;
  replaceEntity(blueprint: string, identifier: string, entity: EntityInput, opts?: EntityOptions): Promise<PortEntity>;
  deleteEntity(blueprint: string, identifier: string, opts?: Pick<DeleteEntityOptions, 'deleteDependents'>): Promise<void>;
  success(label?: string): Promise<void>;
  failure(label?: string): Promise<void>;
}

/** The runtime's view: the handler API plus state and auto-finalize. */
export interface ManagedRunReporter extends RunReporter {
  readonly finished: boolean;
  /** The decided final status, once finished. */
  readonly status: FinalStatus | null;
  readonly statusLabel: string | null;
  /** Entity writes sent and not yet answered. */
  readonly pendingEntityWrites: number;
  /** Finalizes with `outcome` unless the run already has a final status; true when this call decided it. */
  finalizeIfOpen(outcome: Outcome): Promise<boolean>;
  /** Resolves when every op of this run journaled so far has been delivered (or rejected for good). */
  drained(): Promise<void>;
}

/**
 * Identifies each report of a resumable run across its executions: a report an earlier execution already
 * journaled is not made again (Port's page shows it once), and an entity write answers as Port did then.
 */
export interface ReportReplay {
  /**
   * The identity of the report being made now; `done` when an earlier execution journaled it (with Port's
   * answer when one was kept). Null once the execution was paused: it reports nothing more.
   */
  next(): { callId: string; done: boolean; answer?: { answer?: unknown } } | null;
  /** Port answered an entity write: kept for later executions. */
  answered(callId: string, answer: unknown): void;
  /** The run's links as last sent by an earlier execution (Port overwrites the list with each PATCH). */
  readonly links: readonly string[];
}
