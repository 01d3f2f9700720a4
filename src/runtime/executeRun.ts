// Runs one handler for one run and guarantees the run ends with exactly one final status: return →
// SUCCESS, throw → FAILURE with the message, deadline → "timed out after …", shutdown → "service shutting
// down", invalid inputs → FAILURE naming the fields, no handler → "no handler for action '…'".
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { publicMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Invocation } from '../normalize/invocation.js';
import type { FinalStatus, PortReadApi } from '../port/types.js';
import type { ResolvedHandler } from '../registry/registry.js';
import type { ManagedRunReporter, Outcome } from '../reporter/types.js';
import type { RunContext, RunTrigger } from './context.js';
import { decrypt } from './decrypt.js';
import { createPortReads } from './portReads.js';

export const SHUTDOWN_LABEL = 'service shutting down';

export interface RunOutcome {
  status: FinalStatus;
  label: string | null;
  /** What run() returned (the body of a synchronized run's 200). */
  result: unknown;
}

export interface ExecuteRunOptions {
  invocation: Invocation;
  /** The action id Port sent (named in the "no handler" label). */
  action: string;
  resolved: ResolvedHandler | null;
  reporter: ManagedRunReporter;
  config: Config;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Fires on shutdown (after the grace period): the run ends FAILURE "service shutting down". */
  signal?: AbortSignal;
  /** Key source for ctx.decrypt; default the configured Port client secret. */
  clientSecret?: string | null;
  /** What ctx.port reads through (the service's Port client). */
  port?: PortReadApi | null;
}

/** The automation event of a delivery to the handler's automation; null for its self-service actions. */
function automationEvent(resolved: ResolvedHandler, payload: unknown): { event: unknown } | { missing: true } {
  if (!resolved.handler.automation || resolved.action !== resolved.handler.automation.identifier) return { event: null };
  const event = payload && typeof payload === 'object' ? (payload as Record<string, unknown>).event : undefined;
  return event && typeof event === 'object' && !Array.isArray(event) ? { event } : { missing: true };
}

/** "name: Invalid input: expected string, received undefined; region: …" — field paths first. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(inputs)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Never rejects: whatever throws before, during or after the handler (an input schema with an async
 * refinement or a throwing transform, the journal, a metric), the run still ends with a final status.
 */
export async function executeRun(opts: ExecuteRunOptions): Promise<RunOutcome> {
  const { invocation, reporter, resolved, clock, metrics } = opts;
  const runId = invocation.runId;
  const metricAction = resolved?.action ?? 'unknown';
  const log = opts.logger.child({ runId, action: resolved?.action ?? opts.action });
  const startedAt = clock.now();

  const finish = async (fallback: Outcome, result: unknown): Promise<RunOutcome> => {
    try {
      await reporter.finalizeIfOpen(fallback);
    } catch (err) {
      log.error('could not record the final status', { error: publicMessage(err) });
    }
    const status = reporter.status ?? fallback.status;
    const label = reporter.status ? reporter.statusLabel : (fallback.label ?? null);
    try {
      metrics?.runsFinished.inc({ action: metricAction, status });
      metrics?.runDuration.observe({ action: metricAction }, Math.max(0, clock.now() - startedAt) / 1000);
      log.info('run finished', { status, label });
    } catch {
      // observability must not change the outcome
    }
    return { status, label, result: status === 'SUCCESS' ? result : undefined };
  };

  try {
    metrics?.runsStarted.inc({ action: metricAction });
    return await execute(opts, log, finish);
  } catch (err) {
    log.error('the run failed outside its handler', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return finish({ status: 'FAILURE', label: `internal error: ${publicMessage(err)}` }, undefined);
  }
}

type Finish = (fallback: Outcome, result: unknown) => Promise<RunOutcome>;

async function execute(opts: ExecuteRunOptions, log: Logger, finish: Finish): Promise<RunOutcome> {
  const { invocation, reporter, resolved } = opts;
  if (!resolved) {
    log.warn(`no handler for action '${opts.action}'`);
    return finish({ status: 'FAILURE', label: `no handler for action '${opts.action}'` }, undefined);
  }
  const { handler } = resolved;

  const event = automationEvent(resolved, invocation.payload);
  if ('missing' in event) {
    const label = `automation '${resolved.action}' delivered without an event (Port's trigger data carries one)`;
    log.warn(label);
    return finish({ status: 'FAILURE', label }, undefined);
  }

  let inputs: unknown = invocation.inputs;
  // An automation has no user inputs (Port sends `inputs: null`): the schema is for the handler's actions.
  if (handler.inputs && event.event === null) {
    // Async parsing: zod throws for async refinements under a synchronous parse. What a refinement or a
    // transform itself throws ends the run here too, named as an input problem.
    let parsed: Awaited<ReturnType<z.ZodType['safeParseAsync']>>;
    try {
      parsed = await handler.inputs.safeParseAsync(invocation.inputs ?? {});
    } catch (err) {
      const label = `invalid inputs: ${publicMessage(err)}`;
      log.warn(label, { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      return finish({ status: 'FAILURE', label }, undefined);
    }
    if (!parsed.success) {
      const label = `invalid inputs: ${describeIssues(parsed.error)}`;
      log.warn(label);
      return finish({ status: 'FAILURE', label }, undefined);
    }
    inputs = parsed.data;
  }

  if (opts.signal?.aborted) return finish({ status: 'FAILURE', label: SHUTDOWN_LABEL }, undefined);

  const timeoutMs = handler.timeoutMs ?? opts.config.runTimeoutMs;
  const timeoutLabel = `timed out after ${timeoutMs} ms`;
  // The deadline is a timer cleared when the run ends (AbortSignal.timeout would keep one alive per run for
  // the whole timeout). The shutdown signal outlives every run, so the run only listens to it and stops
  // listening when it ends: AbortSignal.any would leave a reference in it per run, for ever, on Node 20.
  const controller = new AbortController();
  const signal = controller.signal;
  let stopOutcome: Outcome | null = null;
  let onStop: (outcome: Outcome) => void = () => {};
  const stoppedP = new Promise<Outcome>((resolve) => (onStop = resolve));
  const stop = (label: string, name: string) => {
    if (stopOutcome) return;
    // Decide first, then abort: a handler that rejects on abort must not win the race as a plain throw.
    stopOutcome = { status: 'FAILURE', label };
    onStop(stopOutcome);
    controller.abort(new DOMException(label, name));
  };
  const timer = setTimeout(() => stop(timeoutLabel, 'TimeoutError'), timeoutMs);
  const onShutdown = () => stop(SHUTDOWN_LABEL, 'AbortError');
  opts.signal?.addEventListener('abort', onShutdown, { once: true });

  const clientSecret = opts.clientSecret !== undefined ? opts.clientSecret : (opts.config.portCredentials?.clientSecret ?? null);
  const ctx: RunContext<unknown, unknown> = {
    runId: invocation.runId,
    action: resolved.action,
    inputs,
    entity: invocation.entity,
    trigger: invocation.trigger as RunTrigger | null,
    event: event.event,
    payload: invocation.payload,
    signal,
    log,
    reporter,
    port: createPortReads(opts.port ?? null, { runId: invocation.runId, action: resolved.action, signal }),
    decrypt: (value: string) => decrypt(value, clientSecret),
  };

  type Settled = { kind: 'returned'; value: unknown } | { kind: 'threw'; error: unknown } | { kind: 'stopped'; outcome: Outcome };
  const handlerP: Promise<Settled> = (async () => handler.run(ctx as never))().then(
    (value) => ({ kind: 'returned' as const, value }),
    (error: unknown) => ({ kind: 'threw' as const, error }),
  );
  let settled: Settled;
  try {
    settled = await Promise.race([handlerP, stoppedP.then((outcome) => ({ kind: 'stopped' as const, outcome }))]);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onShutdown);
  }
  // A handler that rejects because its signal fired was stopped, not broken.
  if (settled.kind === 'threw' && stopOutcome) settled = { kind: 'stopped', outcome: stopOutcome };

  switch (settled.kind) {
    case 'returned':
      return finish({ status: 'SUCCESS' }, settled.value);
    case 'threw':
      log.error('handler threw', { error: settled.error instanceof Error ? (settled.error.stack ?? settled.error.message) : String(settled.error) });
      return finish({ status: 'FAILURE', label: publicMessage(settled.error) }, undefined);
    case 'stopped':
      // The handler is not awaited: the slot is freed now, and whatever it reports later is dropped by the
      // finished reporter. Note how it settles, for the operator.
      void handlerP.then((late) => {
        if (late.kind === 'threw') log.debug('handler settled after the run ended', { error: publicMessage(late.error) });
      });
      log.warn(`run stopped: ${settled.outcome.label}`);
      return finish(settled.outcome, undefined);
  }
}
