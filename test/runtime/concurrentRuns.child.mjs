// Runs N concurrent runs on the built runtime (real journal, reporter, outbox, queue, dispatcher; Port is a
// double that accepts everything) and prints the process warnings Node emitted, as one JSON line.
// Usage: node concurrentRuns.child.mjs <n> <async|sync>
import { testConfig } from '../../dist/src/config.js';
import { openSqliteStore } from '../../dist/src/journal/sqliteStore.js';
import { sqliteAsyncStore } from '../../dist/src/journal/sqliteAsyncStore.js';
import { silentLogger } from '../../dist/src/logger.js';
import { defineHandler } from '../../dist/src/registry/defineHandler.js';
import { createRegistry } from '../../dist/src/registry/registry.js';
import { createOutbox } from '../../dist/src/reporter/outbox.js';
import { createRunReporter } from '../../dist/src/reporter/runReporter.js';
import { createDispatcher } from '../../dist/src/runtime/dispatcher.js';
import { createRunQueue } from '../../dist/src/runtime/runQueue.js';

const warnings = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));

const n = Number(process.argv[2]);
const synchronized = process.argv[3] === 'sync';
const clock = { now: () => Date.now() };
const logger = silentLogger();
const run = { id: 'r', status: 'IN_PROGRESS', action: { identifier: 'wait' }, properties: {} };
const port = new Proxy({}, { get: () => async () => run });
const store = openSqliteStore({ path: ':memory:' });
const journal = sqliteAsyncStore({ store });
const outbox = createOutbox({ store: journal, port, clock, logger });
const config = testConfig({ MAX_CONCURRENT_RUNS: String(n), MAX_QUEUED_RUNS: String(n) });
let release;
const gate = new Promise((r) => (release = r));
let started = 0;
const handler = defineHandler({
  action: 'wait',
  synchronized,
  run: async () => {
    started++;
    if (started === n) release();
    await gate;
  },
});
const dispatcher = createDispatcher({
  store: journal,
  registry: createRegistry([handler]),
  queue: createRunQueue({ maxConcurrent: n, maxQueued: n }),
  reporterFactory: (r) => createRunReporter({ ...r, outbox, logger, clock }),
  lookupAction: async () => null,
  config,
  clock,
  logger,
});
dispatcher.start();
const invocation = (runId) => ({ runId, action: 'wait', blueprint: null, inputs: {}, entity: null, trigger: null, payload: {} });
const answers = await Promise.all(Array.from({ length: n }, (_, i) => dispatcher.dispatch(invocation(`r_${i}`), { requestId: `q${i}` })));
while (store.countRuns('finished') < n) await new Promise((r) => setTimeout(r, 5));
await new Promise((r) => setTimeout(r, 20)); // warnings are emitted on a later tick
await dispatcher.shutdown(0);
outbox.stop();
store.close();
console.log(JSON.stringify({ started, finished: n, kinds: [...new Set(answers.map((a) => a.kind))], warnings }));
