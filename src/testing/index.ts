// The test kit for handler authors: run a handler against an in-process Port simulator and get back what
// Port's run page would show; sign a delivery for supertest. Nothing here talks to the internet.
//
//   const run = await runHandler(handler, { inputs: { name: 'x', region: 'eu-west-1' } });
//   expect(run.status).toBe('SUCCESS');
import { randomBytes } from 'node:crypto';
import { systemClock } from '../clock.js';
import { testConfig } from '../config.js';
import { silentLogger, type Logger } from '../logger.js';
import { openSqliteStore } from '../journal/sqliteStore.js';
import { sqliteAsyncStore } from '../journal/sqliteAsyncStore.js';
import type { Invocation } from '../normalize/invocation.js';
import { PortClient } from '../port/client.js';
import type { FinalStatus, PortBlueprint, RunStatus } from '../port/types.js';
import type { Handler } from '../registry/defineHandler.js';
import { createRegistry } from '../registry/registry.js';
import { createOutbox } from '../reporter/outbox.js';
import { createRunReporter } from '../reporter/runReporter.js';
import { executeRun } from '../runtime/executeRun.js';
import { openSqliteStepJournal } from '../journal/sqliteStepJournal.js';
import { logResume, openRunSteps } from '../runtime/runSteps.js';
import { startSimulator, type RunningSimulator, type SimEntity, type SimRun } from '../simulator/index.js';
import { signPortWebhook } from '../verify/sign.js';

export { startSimulator } from '../simulator/index.js';
export type { RunningSimulator, SimRun, SimEntity } from '../simulator/index.js';

export interface RunHandlerOptions {
  inputs?: Record<string, unknown>;
  /**
   * The day-2 entity (ctx.entity). In Port it always exists, so it is also put in the simulator's catalog
   * (under `blueprint`, else the handler's `blueprint`, else the entity's own `blueprint` field).
   */
  entity?: Record<string, unknown> | null;
  /** More catalog entities for ctx.port reads, each with its blueprint. */
  entities?: Array<{ blueprint: string; identifier: string } & Record<string, unknown>>;
  /** Blueprints for ctx.port.getBlueprint. */
  blueprints?: Array<Partial<PortBlueprint> & { identifier: string }>;
  /** An automation's event (ctx.event), delivered as Port's trigger data carries it, to the handler's automation. */
  event?: Record<string, unknown>;
  /** The action id Port sends (default: the handler's first action). */
  action?: string;
  blueprint?: string;
  trigger?: Record<string, unknown> | null;
  /** Config overrides as environment variables, e.g. { RUN_TIMEOUT_MS: '50' }. */
  env?: Record<string, string>;
  /**
   * Reuse a running simulator (to seed entities or inject faults), with the credentials it was started
   * with; default: a fresh simulator per call.
   */
  simulator?: { running: RunningSimulator; clientId: string; clientSecret: string };
  /** The client secret (ctx.decrypt's key) of a fresh simulator; default: a random one. */
  clientSecret?: string;
  logger?: Logger;
  /**
   * A resumable handler: cut the run at a step, as a crash would, then resume it (finished steps skipped,
   * reports not repeated) and return how it ended. `when: 'after'` (default) cuts once the step's fn has
   * returned but before its result is journaled, the worst moment: the step runs again on resume.
   * `'before'` cuts before the step starts.
   */
  interrupt?: { atStep: string; when?: 'before' | 'after' };
}

/** What Port shows for the run, plus what the handler returned. */
export interface HandlerRunResult {
  runId: string;
  /** For synchronized handlers, the status Port would set from the HTTP answer. */
  status: RunStatus;
  statusLabel: string | null;
  logs: string[];
  links: string[];
  summary: string | null;
  externalRunId: string | null;
  /** Entities written while tied to the run, as Port holds them now. */
  entities: SimEntity[];
  /** run()'s return value. */
  result: unknown;
  /** The full simulated run (requests, rejected writes, …). */
  run: SimRun;
  /** Times the run was resumed (with `interrupt`: 1). */
  resumes: number;
}

export async function runHandler(handler: Handler, opts: RunHandlerOptions = {}): Promise<HandlerRunResult> {
  const clientId = opts.simulator?.clientId ?? 'test-kit';
  const clientSecret = opts.simulator?.clientSecret ?? opts.clientSecret ?? randomBytes(32).toString('base64url');
  const owned = opts.simulator ? null : await startSimulator({ clientId, clientSecret });
  const simulator = opts.simulator?.running ?? owned!;
  const logger = opts.logger ?? silentLogger();
  const sqlite = openSqliteStore({ path: ':memory:' });
  const store = sqliteAsyncStore({ store: sqlite });
  const port = new PortClient({
    baseUrl: simulator.url,
    credentials: { clientId, clientSecret },
    logger,
    budgetMs: 5_000,
  });
  const outbox = createOutbox({ store, port, clock: systemClock, logger, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  try {
    // An event is an automation delivery: it goes to the handler's automation.
    const action = opts.action ?? (opts.event && handler.automation ? handler.automation.identifier : handler.actions[0]);
    const config = testConfig({ ...opts.env });
    seedCatalog(simulator, handler, opts);
    const simRun = simulator.sim.createRun({
      action,
      blueprint: opts.blueprint,
      properties: opts.inputs ?? {},
      entity: typeof opts.entity?.identifier === 'string' ? opts.entity.identifier : null,
    });
    const invocation: Invocation = {
      runId: simRun.id,
      action,
      blueprint: opts.blueprint ?? null,
      inputs: opts.inputs ?? {},
      entity: opts.entity ?? null,
      trigger: opts.trigger ?? { by: { userId: 'test-kit' }, origin: 'API', at: new Date().toISOString() },
      payload: { runId: simRun.id, action, inputs: opts.inputs ?? {}, ...(opts.event ? { event: opts.event } : {}) },
    };
    const synchronized = handler.synchronized === true;
    sqlite.accept({ runId: simRun.id, action, invocation, synchronized }, Date.now());
    const resolved = createRegistry([handler]).resolve(action, opts.blueprint ?? null);
    const journal = openSqliteStepJournal(sqlite.database);
    const resumable = handler.resumable === true;
    const target = opts.interrupt;
    if (target && !resumable) throw new TypeError('runHandler: "interrupt" needs a handler with resumable: true');
    const stop = new AbortController();
    let reached = false;
    const execute = async (reexecution: boolean, resumed?: { reason: string; count: number; firstStartedAt: number | null }) => {
      const steps = await openRunSteps({
        runId: simRun.id,
        journal,
        resumable,
        reexecution,
        maxResultBytes: config.stepResultMaxBytes,
        clock: systemClock,
        logger,
        ...(target && !reexecution
          ? {
              interrupt: (key: string, moment: 'before' | 'after') => {
                if (key !== target.atStep || moment !== (target.when ?? 'after')) return false;
                reached = true;
                stop.abort(new DOMException(`interrupted at step '${key}'`, 'AbortError'));
                return true;
              },
            }
          : {}),
      });
      const reporter = createRunReporter({ runId: simRun.id, action, synchronized, outbox, logger, clock: systemClock, ...(steps.replay ? { replay: steps.replay } : {}) });
      if (resumed) await logResume(steps, reporter, resumed);
      const result = await executeRun({
        invocation,
        action,
        resolved,
        reporter,
        config,
        clock: systemClock,
        logger,
        clientSecret,
        port,
        steps,
        signal: reexecution ? undefined : stop.signal,
        firstStartedAt: resumed?.firstStartedAt ?? null,
      });
      await reporter.drained();
      return result;
    };
    const startedAt = Date.now();
    let outcome = await execute(false);
    let resumes = 0;
    if (target) {
      if (!reached || !outcome.paused) throw new Error(`runHandler: the run ${outcome.paused ? 'stopped' : 'ended'} without reaching step '${target.atStep}'`);
      resumes = await journal.noteResume(simRun.id, startedAt, Date.now());
      outcome = await execute(true, { reason: 'a crash', count: resumes, firstStartedAt: startedAt });
    }

    const run = simulator.sim.run(simRun.id)!;
    const status: RunStatus = synchronized ? outcome.status : run.status;
    const link = run.link;
    return {
      runId: run.id,
      status,
      statusLabel: synchronized ? outcome.label : run.statusLabel,
      logs: run.logs.map((l) => l.message),
      links: link === null ? [] : Array.isArray(link) ? link : [link],
      summary: run.summary,
      externalRunId: run.externalRunId,
      entities: uniqueTies(run).flatMap(({ blueprint, identifier }) => simulator.sim.entity(blueprint, identifier) ?? []),
      result: outcome.result,
      run,
      resumes,
    };
  } finally {
    outbox.stop();
    sqlite.close();
    port.close();
    await owned?.close();
  }
}

/** What Port's catalog holds before the run: the day-2 entity, plus the extra entities and blueprints. */
function seedCatalog(simulator: RunningSimulator, handler: Handler, opts: RunHandlerOptions): void {
  for (const bp of opts.blueprints ?? []) simulator.sim.seedBlueprint(bp);
  for (const { blueprint, ...entity } of opts.entities ?? []) simulator.sim.seedEntity(blueprint, entity as { identifier: string });
  const entity = opts.entity;
  if (!entity || typeof entity.identifier !== 'string') return;
  const blueprint = opts.blueprint ?? handler.blueprint ?? (typeof entity.blueprint === 'string' ? entity.blueprint : undefined);
  if (!blueprint || simulator.sim.entity(blueprint, entity.identifier)) return;
  const { blueprint: _own, ...fields } = entity;
  simulator.sim.seedEntity(blueprint, fields as { identifier: string });
}

function uniqueTies(run: SimRun): Array<{ blueprint: string; identifier: string }> {
  const seen = new Map<string, { blueprint: string; identifier: string }>();
  for (const t of run.entities) seen.set(`${t.blueprint}/${t.identifier}`, t);
  return [...seen.values()];
}

/** Headers Port would send for `body` (sign the exact bytes you send). */
export function signDelivery(opts: { secret: string; body: string | Buffer; timestamp?: number | string }): {
  'x-port-timestamp': string;
  'x-port-signature': string;
} {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  return { 'x-port-timestamp': timestamp, 'x-port-signature': signPortWebhook(opts.secret, timestamp, opts.body) };
}

export type { FinalStatus };
