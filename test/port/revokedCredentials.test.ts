import { afterEach, describe, expect, it } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import { sqliteAsyncStore } from '../../src/journal/sqliteAsyncStore.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';
import { Redactor } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { PortClient } from '../../src/port/client.js';
import { createOutbox } from '../../src/reporter/outbox.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { memoryLogger } from '../reporter/memoryLogger.js';

const CREDS = { clientId: 'revoked-client', clientSecret: 'revoked-client-secret' };
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function setup(lanes: number) {
  const simulator: RunningSimulator = await startSimulator(CREDS);
  const { logger, lines } = memoryLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const redactor = new Redactor();
  const client = new PortClient({
    baseUrl: simulator.url,
    credentials: CREDS,
    logger,
    metrics,
    redactor,
    budgetMs: 2_000,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    tokenBackoff: { baseDelayMs: 40, maxDelayMs: 160 },
  });
  const store = openSqliteStore({ path: ':memory:' });
  const outbox = createOutbox({ store: sqliteAsyncStore({ store }), port: client, clock: systemClock, logger, retry: { baseDelayMs: 2, maxDelayMs: 10 } });
  cleanup.push(() => simulator.close(), () => client.close(), () => store.close(), () => outbox.stop());
  const runIds = Array.from({ length: lanes }, () => simulator.sim.createRun({ action: 'deploy' }).id);
  return { sim: simulator.sim, client, store, outbox, lines, metrics, redactor, runIds };
}

const attempts = (store: ReturnType<typeof openSqliteStore>, runIds: string[]) =>
  runIds.reduce((n, id) => n + store.pendingOps(id).reduce((m, e) => m + e.attempts, 0), 0);

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('revoked credentials', () => {
  it('when Port refuses our credentials while 20 runs wait to report, then token requests back off (bounded, not one per attempt), the state is logged once, and every run is delivered after the credentials return', async () => {
    const t = await setup(20);
    t.sim.revokeCredentials();
    const started = Date.now();
    for (const runId of t.runIds) t.outbox.append(runId, { kind: 'final', status: 'SUCCESS', label: 'done' });

    // The lanes retry many times while the credentials stay revoked.
    await until(() => attempts(t.store, t.runIds) >= 200, '200 delivery attempts');
    const revokedForMs = Date.now() - started;
    const duringRevocation = t.sim.tokenRequests;
    // 40 ms doubling to 160 ms: one request per backoff step, whatever the number of lanes and attempts.
    expect(duringRevocation).toBeGreaterThanOrEqual(1);
    expect(duringRevocation).toBeLessThanOrEqual(3 + Math.ceil(revokedForMs / 80));
    expect(t.client.tokenStatus()).toMatchObject({ state: 'refused', lastError: 'HTTP 401 unauthorized' });
    expect((await t.metrics.portCredentialsRefused.get()).values[0].value).toBe(1);

    t.sim.restoreCredentials();
    await until(() => t.runIds.every((id) => t.sim.run(id)!.status === 'SUCCESS'), 'every run delivered');
    expect(t.client.tokenStatus().state).toBe('ok');
    expect((await t.metrics.portCredentialsRefused.get()).values[0].value).toBe(0);
    expect(t.sim.tokenRequests - duringRevocation).toBeLessThanOrEqual(2);
    const stateLines = t.lines.filter((l) => l.message.startsWith('Port refuses our credentials') || l.message === 'port access token obtained');
    expect(stateLines.map((l) => [l.level, l.message.slice(0, 28)])).toEqual([
      ['error', 'Port refuses our credentials'],
      ['info', 'port access token obtained'],
    ]);
  }, 30_000);

  it('when the access token is replaced, then the redactor forgets the old one instead of keeping every token ever issued', async () => {
    const t = await setup(1);
    t.sim.setTokenLifetime(3600);
    await t.client.getRun(t.runIds[0]);
    const before = t.redactor.size; // the client secret and the first token
    for (let i = 0; i < 5; i++) {
      t.sim.expireTokens(); // Port stops taking the token: the next call gets 401 and a new one
      await t.client.getRun(t.runIds[0]);
    }
    expect(t.sim.tokenRequests).toBe(6);
    expect(t.redactor.size).toBe(before);
  });
});
