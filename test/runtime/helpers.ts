// What the runtime suites build their runs on: a journal from stores.ts, the real run reporter and outbox,
// and only Port faked (the in-memory FakePort that records every call). Assertions read what Port
// received and what the journal holds, as a real deployment would show it.
import { systemClock } from '../../src/clock.js';
import type { RunStore } from '../../src/journal/store.js';
import type { AsyncRunStore } from '../../src/journal/asyncStore.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import type { Logger } from '../../src/logger.js';
import type { Invocation } from '../../src/normalize/invocation.js';
import type { FinalStatus } from '../../src/port/types.js';
import { createOutbox, type Outbox } from '../../src/reporter/outbox.js';
import { createRunReporter } from '../../src/reporter/runReporter.js';
import type { ManagedRunReporter } from '../../src/reporter/types.js';
import type { ReporterFactory } from '../../src/runtime/dispatcher.js';
import { FakePort } from '../reporter/fakePort.js';
import { memoryLogger, type LogLine } from '../reporter/memoryLogger.js';

export function invocation(runId: string, over: Partial<Invocation> = {}): Invocation {
  return { runId, action: 'deploy', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {}, ...over };
}

/** A final status as Port received it. */
export interface ReceivedFinal {
  status: FinalStatus;
  label?: string;
}

export interface Reporting {
  store: RunStore;
  /** The same journal through the async contract the runtime uses. */
  journal: AsyncRunStore;
  port: FakePort;
  outbox: Outbox;
  logger: Logger;
  /** Every line logged by the reporter and outbox (pass `logger` on to the runtime to collect its lines too). */
  lines: LogLine[];
  /** The runtime's reporter factory: real reporters on the real outbox; each one made is kept by run id. */
  reporterFactory: ReporterFactory;
  made: Map<string, ManagedRunReporter>;
  /** Every final status Port received for the run, in order (exactly one is the guarantee). */
  finals(runId: string): ReceivedFinal[];
  /** The log lines Port received for the run, in order. */
  logs(runId: string): string[];
  /** Waits until the outbox has delivered everything journaled so far. */
  settle(timeoutMs?: number): Promise<void>;
  close(): void;
}

/** The real reporter and outbox on `store`, in front of a FakePort. The store is closed by close(). */
export function realReporting(store: RunStore, opts: { portLatencyMs?: number } = {}): Reporting {
  const port = new FakePort();
  port.latencyMs = opts.portLatencyMs ?? 0;
  const { logger, lines } = memoryLogger();
  const journal = sqliteAsyncStore({ store });
  const outbox = createOutbox({ store: journal, port, clock: systemClock, logger, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  const made = new Map<string, ManagedRunReporter>();
  return {
    store,
    journal,
    port,
    outbox,
    logger,
    lines,
    made,
    reporterFactory: (run) => {
      const reporter = createRunReporter({ ...run, outbox, logger, clock: systemClock });
      made.set(run.runId, reporter);
      return reporter;
    },
    finals(runId) {
      const received: ReceivedFinal[] = [];
      for (const c of port.calls) {
        if (c.args[0] !== runId || (c.method !== 'patchRun' && c.method !== 'addRunLog')) continue;
        const body = c.args[1] as { status?: FinalStatus; terminationStatus?: FinalStatus; statusLabel?: string };
        const status = c.method === 'patchRun' ? body.status : body.terminationStatus;
        if (status) received.push({ status, ...(body.statusLabel !== undefined ? { label: body.statusLabel } : {}) });
      }
      return received;
    },
    logs: (runId) =>
      port
        .callsOf('addRunLog')
        .filter((c) => c.args[0] === runId)
        .map((c) => (c.args[1] as { message: string }).message),
    async settle(timeoutMs = 5000) {
      if (!(await outbox.flush(timeoutMs))) throw new Error(`the outbox still holds ${store.countPendingOps()} op(s) after ${timeoutMs} ms`);
    },
    close() {
      outbox.stop();
      store.close();
    },
  };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `cond` holds (fails the test after `ms`). */
export async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await tick(2);
  }
}

/** A promise with its resolve exposed (to hold a handler until the test lets it go). */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
