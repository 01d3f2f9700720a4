// Shapes the simulator's inspection API hands to tests (JS methods and GET /_sim/... as JSON).
import type { FinalStatus, RunStatus } from '../port/types.js';

export interface SimRunLog {
  id: string;
  runId: string;
  message: string;
  terminationStatus: FinalStatus | null;
  statusLabel: string | null;
  createdBy: string;
  createdAt: string;
}

/** An entity write tied to a run through `run_id`. */
export interface EntityTie {
  blueprint: string;
  identifier: string;
  operation: 'create' | 'upsert' | 'merge' | 'replace' | 'update' | 'delete';
  at: string;
}

/** A write Port refused because the run had already finished (422). */
export interface RejectedWrite {
  kind: 'patch' | 'log' | 'entity';
  at: string;
  body: unknown;
}

export interface SimRun {
  id: string;
  action: { identifier: string; title: string | null };
  blueprint: { identifier: string } | null;
  entity: { identifier: string; title?: string } | null;
  properties: Record<string, unknown>;
  status: RunStatus;
  statusLabel: string | null;
  link: string | string[] | null;
  summary: string | null;
  externalRunId: string | null;
  endedAt: string | null;
  createdAt: string;
  updatedAt: string;
  source: string;
  /** The invocation Port recorded (set by deliver()). */
  payload: Record<string, unknown> | null;
  /** The webhook's answer, for synchronized runs. */
  response: unknown;
  logs: SimRunLog[];
  entities: EntityTie[];
  rejectedWrites: RejectedWrite[];
}

export interface SimEntity {
  identifier: string;
  blueprint: string;
  title?: string;
  icon?: string;
  team?: string | string[];
  properties: Record<string, unknown>;
  relations: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  [key: string]: unknown;
}

export interface RequestRecord {
  seq: number;
  at: string;
  method: string;
  /** The operation's path template (`/v1/actions/runs/{run_id}`), or null for a route Port does not have. */
  route: string | null;
  path: string;
  query: Record<string, unknown>;
  status: number;
  durationMs: number;
  /** Parsed JSON body (secrets masked), raw text when not JSON, null when empty. */
  body: unknown;
  /** Set when a fault answered instead of the simulated Port. */
  fault: string | null;
  /** Port's error message when it refused the request (absent when it succeeded). */
  error?: string;
}

export type ViolationKind = 'schema' | 'unknown_route' | 'content_type' | 'invalid_json' | 'semantics';

export interface Violation {
  at: string;
  kind: ViolationKind;
  method: string;
  path: string;
  route: string | null;
  message: string;
}
