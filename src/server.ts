// Composition root: builds every module of the flow from one Config and wires them together, in the order
// a delivery travels: ingress → dispatcher (registry, run queue, runtime) → reporter → outbox → Port client.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { systemClock, type Clock } from './clock.js';
import { loadConfig, type Config } from './config.js';
import { CodedError } from './errors.js';
import { createLogger, Redactor, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createIngressApp } from './ingress/app.js';
import { startRetention } from './journal/retention.js';
import { openStore } from './journal/openStore.js';
import { createBullRunQueue, type BullRunQueue } from './runtime/bullRunQueue.js';
import { PortClient } from './port/client.js';
import { PortApiError } from './port/errors.js';
import type { PortApi } from './port/types.js';
import { loadHandlers } from './registry/loadHandlers.js';
import { resolveHandlersDir } from './registry/handlerSource.js';
import { createOutbox } from './reporter/outbox.js';
import { createRunReporter } from './reporter/runReporter.js';
import { createRuntime } from './runtime/runtime.js';
import type { ReporterFactory } from './runtime/dispatcher.js';
import type { RunningSimulator } from './simulator/index.js';

export interface ServiceOptions {
  /** Parsed config; or `env` to parse (defaults to process.env). */
  config?: Config;
  env?: Record<string, string | undefined>;
  logger?: Logger;
  clock?: Clock;
  metrics?: Metrics;
  /** Replaces the got-based client (tests wrap it to count or fail calls). */
  portApi?: PortApi;
}

export interface Service {
  readonly url: string;
  readonly listenPort: number;
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Set when running against the embedded simulator (no credentials, not production). */
  readonly simulatorUrl: string | null;
  /** Graceful: stop accepting, let runs finish up to SHUTDOWN_GRACE_MS, finalize the rest, flush, close. */
  stop(): Promise<void>;
  /** Immediate: close the journal so it stays consistent; the next start recovers. */
  abortNow(): void;
}

/** How long the outbox may keep delivering after the runs were finalized at shutdown. */
const SHUTDOWN_FLUSH_MS = 10_000;
/** After that, how long the requests still in flight get to be answered before the client is closed. */
const SHUTDOWN_SETTLE_MS = 5_000;

export async function startService(opts: ServiceOptions = {}): Promise<Service> {
  const config = opts.config ?? loadConfig(opts.env ?? process.env);
  const clock = opts.clock ?? systemClock;
  const redactor = new Redactor();
  const logger = opts.logger ?? createLogger({ level: config.logLevel, json: config.logFormat === 'json', redactor });
  const metrics = opts.metrics ?? createMetrics();

  // Without credentials (outside production, which config refuses) the service talks to an embedded
  // simulator with a secret generated for this process: never a default secret.
  let credentials = config.portCredentials;
  let portApiUrl = config.portApiUrl;
  let simulator: RunningSimulator | null = null;
  // The local run page delivers to the service's webhook, known once it listens (below).
  let webhookUrl: string | null = null;
  if (!credentials) {
    credentials = { clientId: `local-${randomBytes(6).toString('hex')}`, clientSecret: randomBytes(32).toString('base64url') };
    // Loaded only here: production never pulls in the simulator, its ajv and Port's OpenAPI operations.
    const { startSimulator } = await import('./simulator/index.js');
    simulator = await startSimulator({
      port: config.simulatorPort,
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      logger,
      page: { webhookUrl: () => webhookUrl },
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') throw err;
      throw new CodedError('config_invalid', `SIMULATOR_PORT ${config.simulatorPort} is already in use (another npm start?): stop that process or set SIMULATOR_PORT to a free port`, { variable: 'SIMULATOR_PORT' });
    });
    portApiUrl = simulator.url;
  }
  redactor.add(credentials.clientSecret);
  for (const s of config.webhookSecrets) redactor.add(s);

  // What startup has opened so far, closed again if a later step fails (tests start services in-process).
  const opened: Array<() => unknown> = [];
  if (simulator) opened.push(() => simulator.close());
  const failStartup = async (err: unknown): Promise<never> => {
    for (const close of opened.reverse()) {
      try {
        await close();
      } catch {
        // the startup error is the one worth reporting
      }
    }
    throw err;
  };

  const registry = await Promise.resolve()
    .then(() => loadHandlers(resolveHandlersDir(config.handlersDir), { logger }))
    .catch(failStartup);
  const journal = await Promise.resolve()
    .then(() => openStore(config, logger))
    .catch(failStartup);
  opened.push(() => journal.close());
  const { store } = journal;
  const role = config.store.role;
  // Replicas: runs are queued in Redis (BullMQ) and any worker replica executes them.
  let bull: BullRunQueue | null = null;
  if (journal.redis) {
    const link = journal.redis;
    bull = createBullRunQueue({
      redis: link.duplicate(),
      prefix: config.store.redisPrefix,
      logger,
      concurrency: config.maxConcurrentRuns,
      lockDurationMs: config.store.lockDurationMs,
      stallIntervalMs: config.store.stallIntervalMs,
      workerConnection: () => link.duplicate(),
      // A delivery's run is stored before it is queued: its 202 does not wait for a Redis reconnect.
      submitTimeoutMs: 2000,
    });
    const queue = bull;
    opened.push(() => queue.close(true));
  }

  const portApi: PortApi =
    opts.portApi ??
    new PortClient({ baseUrl: portApiUrl, credentials, logger, metrics, clock, redactor, budgetMs: config.portCallBudgetMs });
  const outbox = createOutbox({
    store,
    port: portApi,
    clock,
    logger,
    metrics,
    callBudgetMs: config.portCallBudgetMs,
    finalCallBudgetMs: config.portFinalCallBudgetMs,
    leaseMs: config.store.lockDurationMs,
  });
  const reporterFactory: ReporterFactory = (run) => createRunReporter({ ...run, outbox, logger, clock });

  const lookupAction = async (runId: string) => {
    try {
      const run = await portApi.getRun(runId, { runId, budgetMs: Math.min(config.portCallBudgetMs, 10_000) });
      return { action: run.action.identifier, blueprint: run.blueprint?.identifier ?? null, status: run.status };
    } catch (err) {
      if (err instanceof PortApiError && err.status === 404) return null;
      throw err;
    }
  };
  const runtime = createRuntime({
    config,
    store,
    steps: journal.steps,
    ...(bull ? { shared: bull, work: role !== 'web', instanceFence: `sync-${randomUUID()}` } : {}),
    registry,
    reporterFactory,
    lookupAction,
    clock,
    logger,
    metrics,
    clientSecret: credentials.clientSecret,
    portReads: portApi instanceof PortClient ? portApi : null,
  });
  const { dispatcher } = runtime;

  const readiness = async () => {
    const checks: Record<string, { ok: boolean; detail?: unknown }> = {};
    checks.config = { ok: true };
    checks.handlers = { ok: true, detail: { actions: registry.actions().length } }; // loaded at startup, or it would not have started
    checks.accepting = { ok: dispatcher.accepting, ...(dispatcher.accepting ? {} : { detail: 'shutting down' }) };
    checks.queue = { ok: dispatcher.queued < config.maxQueuedRuns, detail: { queued: dispatcher.queued, max: config.maxQueuedRuns } };
    // One instance: the journal file; replicas: Redis (named `store`, as the 503s of deliveries are).
    const storeCheck = journal.sqlite ? 'journal' : 'store';
    try {
      await store.check();
      checks[storeCheck] = { ok: true };
    } catch (err) {
      checks[storeCheck] = { ok: false, detail: (err as Error).message };
    }
    // Shown, never failing readiness: deliveries are journaled and their reports wait in the outbox while
    // Port (or its token endpoint) is away; a replica taken out of the load balancer would lose them.
    checks.portToken = { ok: true, detail: portApi.tokenStatus() };
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  };

  const app = createIngressApp({
    config,
    clock,
    logger,
    metrics,
    dispatcher,
    readiness,
    webhook: role !== 'worker',
    secrets: [...new Set([credentials.clientSecret, ...config.webhookSecrets])],
  });

  // Finished runs shed their payload after JOURNAL_RETENTION_DAYS and are forgotten after DEDUPE_TTL_HOURS
  // (on Redis, run records expire by themselves).
  const retention = journal.sqlite
    ? startRetention({
    store: journal.sqlite,
    clock,
    logger,
    metrics,
    retentionDays: config.journalRetentionDays,
    dedupeTtlHours: config.dedupeTtlHours,
    replayWindowSeconds: config.webhookToleranceSeconds,
  })
    : { stop: () => undefined };
  opened.push(() => retention.stop());

  // Bind first: if the port is taken, nothing of the journal has been touched. Deliveries that arrive
  // before recovery has read the journal just wait in the (paused) queue.
  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = createServer(app).listen(config.port, '0.0.0.0', () => resolve(s));
    s.once('error', reject);
  }).catch(failStartup);
  opened.push(() => new Promise((resolve) => server.close(resolve)));
  server.keepAliveTimeout = 65_000;

  // Reports owed from before a restart go out first (in order per run), then journaled runs resume.
  // Replicas: also, from time to time, the reports a dead replica owed (its leases expired).
  await outbox.resumeAll().catch(failStartup);
  if (journal.redis) outbox.adoptOrphans(Math.max(1000, config.store.stallIntervalMs));
  const recovered = await runtime.start().catch(failStartup);
  const listenPort = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${listenPort}`;
  logger.info(`listening on port ${listenPort}`, { handlers: registry.actions(), recovered });
  webhookUrl = `${url}/webhook`;
  // The simulator gets the definitions before startup completes (the local page shows them); real Port in
  // the background, so an unreachable Port does not hold up serving. Loaded only then: the definitions are
  // validated with the simulator's ajv and Port's OpenAPI operations.
  if ((simulator || config.syncActionsOnStart) && portApi instanceof PortClient) {
    const client = portApi;
    const sync = import('./actions/startupSync.js').then(({ syncActionsAtStartup }) =>
      syncActionsAtStartup({ modules: registry.modules, port: client, publicUrl: config.publicUrl ?? url, logger, target: simulator ? 'the local simulator' : 'Port' }),
    );
    if (simulator) await sync;
  }
  if (simulator) printDevInstructions(logger, simulator.url);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down: no new deliveries; waiting for in-flight runs', { graceMs: config.shutdownGraceMs });
      await runtime.shutdown(config.shutdownGraceMs);
      const flushed = await outbox.flush(SHUTDOWN_FLUSH_MS);
      if (!flushed) logger.warn('some reports are still owed to Port: they stay in the journal and go out at the next start');
      outbox.stop();
      await outbox.settled(SHUTDOWN_SETTLE_MS);
      retention.stop();
      if (portApi instanceof PortClient) portApi.close();
      // Idle keep-alive connections go now; a request still open (a synchronized run waiting on Port)
      // gets a moment, then its connection is closed too.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(force);
      await bull?.close();
      await journal.close();
      await simulator?.close();
      logger.info('shutdown complete');
    })());

  const abortNow = () => {
    try {
      retention.stop();
      outbox.stop();
      journal.sqlite?.close();
    } catch {
      // already closed: nothing left to keep consistent
    }
  };

  return { url, listenPort, config, logger, metrics, simulatorUrl: simulator?.url ?? null, stop, abortNow };
}

function printDevInstructions(logger: Logger, simulatorUrl: string): void {
  logger.warn(`no PORT_CLIENT_ID/PORT_CLIENT_SECRET: running against the embedded local Port simulator at ${simulatorUrl}`);
  logger.info(`Open ${simulatorUrl}/ to run your actions and watch their runs live (or: npm run trigger -- <action> --input key=value)`);
}
