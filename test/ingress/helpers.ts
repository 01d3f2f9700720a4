// Shared fixtures for the ingress tests: a fixed clock, a recording dispatcher, a log capture, signed requests.
import { Writable } from 'node:stream';
import winston from 'winston';
import type { Clock } from '../../src/clock.js';
import { testConfig } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import type { IngressDeps, ReadinessReport } from '../../src/ingress/deps.js';
import { createLogger } from '../../src/logger.js';
import type { Logger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import type { Invocation } from '../../src/normalize/invocation.js';
import type { DispatchResult, Dispatcher } from '../../src/runtime/types.js';
import { signPortWebhook } from '../../src/verify/sign.js';

export const SECRET = 'ingress-test-secret';
export const NOW_S = 1_700_000_000;
export const fixedClock: Clock = { now: () => NOW_S * 1000 + 250 };

export class RecordingDispatcher implements Dispatcher {
  readonly calls: Array<{ invocation: Invocation; meta: { requestId: string } }> = [];
  answer: (invocation: Invocation) => Promise<DispatchResult> = async (inv) => ({ kind: 'accepted', runId: inv.runId });

  async dispatch(invocation: Invocation, meta: { requestId: string }): Promise<DispatchResult> {
    this.calls.push({ invocation, meta });
    return this.answer(invocation);
  }
}

export function captureLogger(level = 'debug'): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      raw.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level, json: true, transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>), text: () => raw.join('') };
}

export function makeDeps(overrides: Partial<IngressDeps> & { env?: Record<string, string> } = {}): IngressDeps & { dispatcher: RecordingDispatcher } {
  const { env, ...rest } = overrides;
  const config: Config = testConfig({ WEBHOOK_MAX_BODY_BYTES: '2048', ...env });
  return {
    config,
    clock: fixedClock,
    logger: captureLogger().logger,
    metrics: createMetrics({ defaultMetrics: false }),
    dispatcher: new RecordingDispatcher(),
    readiness: async (): Promise<ReadinessReport> => ({ ok: true, checks: { config: { ok: true } } }),
    secrets: [SECRET],
    ...rest,
  } as IngressDeps & { dispatcher: RecordingDispatcher };
}

/** Headers Port would send for this body. */
export function signed(body: string | Buffer, opts: { secret?: string; timestamp?: string } = {}): Record<string, string> {
  const timestamp = opts.timestamp ?? String(NOW_S);
  return { 'x-port-timestamp': timestamp, 'x-port-signature': signPortWebhook(opts.secret ?? SECRET, timestamp, body) };
}
