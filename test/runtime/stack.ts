// The runtime on its real collaborators: SQLite journal (in memory), real reporter and outbox, a real run
// queue and dispatcher; only Port is an in-memory double (FakePort) and the HTTP layer is the real app.
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { testConfig } from '../../src/config.js';
import { createIngressApp } from '../../src/ingress/app.js';
import { openSqliteStore, type SqliteRunStore } from '../../src/journal/sqliteStore.js';
import type { RunStore } from '../../src/journal/store.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import type { Logger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { Handler } from '../../src/registry/defineHandler.js';
import { createOutbox, type Outbox } from '../../src/reporter/outbox.js';
import { createRunReporter } from '../../src/reporter/runReporter.js';
import { createDispatcher, type LookupAction, type RuntimeDispatcher } from '../../src/runtime/dispatcher.js';
import { createRunQueue } from '../../src/runtime/runQueue.js';
import { signPortWebhook } from '../../src/verify/sign.js';
import { FakePort } from '../reporter/fakePort.js';
import { memoryLogger, type LogLine } from '../reporter/memoryLogger.js';

export const SECRET = 'runtime-stack-secret';
const clock = { now: () => Date.now() };

export interface Stack {
  store: SqliteRunStore;
  port: FakePort;
  outbox: Outbox;
  dispatcher: RuntimeDispatcher;
  logger: Logger;
  lines: LogLine[];
  app: RequestListener;
  /** POSTs a signed v1 delivery of `runId` for `action` and returns the supertest response. */
  deliver(runId: string, action: string, inputs?: Record<string, unknown>): Promise<request.Response>;
  close(): void;
}

export function stack(opts: {
  handlers: Handler[];
  env?: Record<string, string>;
  /** Wraps the journal (tests that make it fail). */
  store?: (real: SqliteRunStore) => RunStore;
  lookupAction?: LookupAction;
}): Stack {
  const config = testConfig({ RUN_TIMEOUT_MS: '60000', ...opts.env });
  const store = openSqliteStore({ path: ':memory:' });
  const journal = sqliteAsyncStore({ store: opts.store ? opts.store(store) : store });
  const port = new FakePort();
  const { logger, lines } = memoryLogger();
  const outbox = createOutbox({ store: journal, port, clock, logger, retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  const queue = createRunQueue({ maxConcurrent: config.maxConcurrentRuns, maxQueued: config.maxQueuedRuns });
  const dispatcher = createDispatcher({
    store: journal,
    registry: createRegistry(opts.handlers),
    queue,
    reporterFactory: (run) => createRunReporter({ ...run, outbox, logger, clock }),
    lookupAction: opts.lookupAction ?? (async () => null),
    config,
    clock,
    logger,
  });
  dispatcher.start();
  const app = createIngressApp({
    config,
    clock,
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    dispatcher,
    readiness: async () => ({ ok: true, checks: {} }),
    secrets: [SECRET],
  });
  return {
    store,
    port,
    outbox,
    dispatcher,
    logger,
    lines,
    app,
    deliver(runId, action, inputs = {}) {
      const body = JSON.stringify({ action, context: { runId }, payload: { properties: inputs } });
      const timestamp = String(Math.floor(Date.now() / 1000));
      return request(app)
        .post('/webhook')
        .set('x-port-timestamp', timestamp)
        .set('x-port-signature', signPortWebhook(SECRET, timestamp, body))
        .set('content-type', 'application/json')
        .send(body);
    },
    close() {
      outbox.stop();
      store.close();
    },
  };
}

/** Resolves once `cond` holds (polls on timers, bounded so a broken run fails the test, not the suite). */
export async function until(cond: () => boolean, what = 'condition', maxMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > maxMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
