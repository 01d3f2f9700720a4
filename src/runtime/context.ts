import type { Logger } from '../logger.js';
import type { RunReporter } from '../reporter/types.js';
import type { PortReads } from './portReads.js';

/** Who started the run and how (Port's `trigger` object). */
export interface RunTrigger {
  by?: { orgId?: string; userId?: string; user?: { email?: string; firstName?: string; lastName?: string } & Record<string, unknown> };
  origin?: string;
  at?: string;
  operation?: string;
  [key: string]: unknown;
}

/** What a handler's `run(ctx)` receives. Handlers never see Express. */
export interface RunContext<Inputs = Record<string, unknown>, Event = null> {
  readonly runId: string;
  readonly action: string;
  readonly inputs: Inputs;
  /** The entity of a day-2 action, else null. */
  readonly entity: Record<string, unknown> | null;
  readonly trigger: RunTrigger | null;
  /** An automation's event (typed by the handler's `automation.event`); null for self-service runs. */
  readonly event: Event;
  /** The verified body as received. */
  readonly payload: unknown;
  /** Fires on the run's deadline or on shutdown. */
  readonly signal: AbortSignal;
  /** A local logger bound to the run (runId, action). */
  readonly log: Logger;
  readonly reporter: RunReporter;
  /** Reads from Port with the service's token (writes tied to the run stay on `reporter`). */
  readonly port: PortReads;
  /** Decrypts a Port secret input (aes256-gcm); throws a coded error naming what is wrong. */
  decrypt(value: string): string;
}
