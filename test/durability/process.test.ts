// Kills and restarts the real built service: nothing accepted is lost, nothing is left IN_PROGRESS,
// nothing runs twice, and every log line reaches Port once and in order.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startChild, runToExit, type Child } from './child.js';

const CLIENT_ID = 'durability-client';
const CLIENT_SECRET = 'durability-secret-0123456789abcdef0123456789';

let simulator: RunningSimulator;
let dataDir: string;
const children: Child[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ port: 0, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
});
afterAll(async () => {
  await simulator.close();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  simulator.sim.reset();
  rmSync(dataDir, { recursive: true, force: true });
});

const sim = () => simulator.sim;
const env = (extra: Record<string, string> = {}) => ({
  PORT_CLIENT_ID: CLIENT_ID,
  PORT_CLIENT_SECRET: CLIENT_SECRET,
  PORT_API_URL: simulator.url,
  DATA_DIR: dataDir,
  ...extra,
});
async function start(extra: Record<string, string> = {}): Promise<Child> {
  const child = await startChild(env(extra));
  children.push(child);
  return child;
}
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'durability-'));
});

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const terminal = (ids: string[]) => ids.every((id) => sim().run(id)?.status === 'SUCCESS' || sim().run(id)?.status === 'FAILURE');
const logsOf = (id: string) => sim().run(id)!.logs.map((l) => l.message);

async function deliverSlow(child: Child, n: number, inputs: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await sim().deliver({ url: `${child.url}/webhook`, action: 'slow', shape: 'v1', inputs });
    expect(res.status).toBe(202);
    ids.push(res.runId);
  }
  return ids;
}

/** Runs of the `held` handler: each logs "held", then waits until `gate` (a file) exists. */
async function deliverHeld(child: Child, n: number, gate: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await sim().deliver({ url: `${child.url}/webhook`, action: 'held', shape: 'v1', inputs: { gate } });
    expect(res.status).toBe(202);
    ids.push(res.runId);
  }
  return ids;
}

/** No run got two final writes, and no write was refused because the run had already ended. */
function expectOneFinalEach(ids: string[]): void {
  for (const id of ids) {
    const run = sim().run(id)!;
    expect({ id, rejected: run.rejectedWrites }).toEqual({ id, rejected: [] });
    expect(run.logs.filter((l) => l.terminationStatus !== null).length).toBeLessThanOrEqual(1);
  }
  expect(sim().violations()).toEqual([]);
}

describe('when the service process is killed', () => {
  it('when SIGKILLed while 5 runs execute and restarted on the same journal, then all 5 end FAILURE "interrupted" with their last progress', async () => {
    const first = await start();
    const ids = await deliverHeld(first, 5, path.join(dataDir, 'never-opened'));
    await until(() => ids.every((id) => logsOf(id).length >= 1), 10_000, 'every run to log its first line');
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(ids.every((id) => sim().run(id)!.status === 'IN_PROGRESS')).toBe(true);

    await start();
    await until(() => terminal(ids), 10_000, 'all runs to be terminal after the restart');
    for (const id of ids) {
      const run = sim().run(id)!;
      expect(run.status).toBe('FAILURE');
      expect(run.statusLabel).toBe('interrupted: the service restarted while this run was executing');
      // At least once: a line Port got just before the kill, not yet marked sent in the journal, is sent again.
      const logs = logsOf(id);
      expect(logs[logs.length - 1]).toBe('last progress before the restart: held');
      expect(new Set(logs.slice(0, -1))).toEqual(new Set(['held']));
    }
    expectOneFinalEach(ids);
  });

  it('when SIGTERMed while 5 slow runs execute, then all 5 are terminal before it exits 0', async () => {
    const child = await start({ SHUTDOWN_GRACE_MS: '1000' });
    const ids = await deliverSlow(child, 5, { steps: 100, stepMs: 200 });
    await until(() => ids.every((id) => logsOf(id).length >= 1), 10_000, 'every run to start');
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(terminal(ids)).toBe(true);
    for (const id of ids) expect(sim().run(id)).toMatchObject({ status: 'FAILURE', statusLabel: 'service shutting down' });
    expectOneFinalEach(ids);
  });

  it('when SIGTERMed while runs can finish within the grace period, then they finish SUCCESS and it exits 0', async () => {
    const child = await start({ SHUTDOWN_GRACE_MS: '10000' });
    const ids = await deliverSlow(child, 3, { steps: 2, stepMs: 300 });
    await until(() => ids.every((id) => logsOf(id).length >= 1), 10_000, 'every run to start');
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    for (const id of ids) {
      expect(sim().run(id)!.status).toBe('SUCCESS');
      expect(logsOf(id)).toEqual(['step 0', 'step 1', 'done']);
    }
  });

  it('when a run is delivered again after a restart, then it is answered duplicate and not executed again', async () => {
    const first = await start();
    const res = await sim().deliver({ url: `${first.url}/webhook`, action: 'quick', shape: 'v1' });
    expect(res.status).toBe(202);
    await until(() => terminal([res.runId]), 10_000, 'the run to finish');
    first.proc.kill('SIGKILL');
    await first.exited;

    const second = await start();
    const again = await sim().deliver({ url: `${second.url}/webhook`, runId: res.runId, action: 'quick', shape: 'v1' });
    expect(again).toMatchObject({ status: 200, body: { ok: true, runId: res.runId, duplicate: true } });
    // Runs start in delivery order: once a later run has finished, a wrongly queued one would have run.
    const later = await sim().deliver({ url: `${second.url}/webhook`, action: 'quick', shape: 'v1' });
    await until(() => terminal([later.runId]), 10_000, 'a later run to finish');
    expect(logsOf(res.runId)).toEqual(['quick run']);
  });
});

describe('when signals and kills meet queued runs', () => {
  it('when SIGKILLed with runs still queued behind a busy slot, then after the restart the running one is interrupted and the queued ones run', async () => {
    const first = await start({ MAX_CONCURRENT_RUNS: '1' });
    // The first run holds the only slot until the kill (its gate never opens): the others stay queued
    // however long their deliveries take.
    const [busy] = await deliverHeld(first, 1, path.join(dataDir, 'never-opened'));
    const ids = [busy, ...(await deliverSlow(first, 2, { steps: 2, stepMs: 50 }))];
    await until(() => logsOf(ids[0]).length >= 1, 10_000, 'the first run to start');
    first.proc.kill('SIGKILL');
    await first.exited;
    expect(logsOf(ids[1])).toEqual([]);
    expect(logsOf(ids[2])).toEqual([]);

    const second = await start({ MAX_CONCURRENT_RUNS: '1' });
    // A redelivery of a run that is still queued in the journal is a duplicate, not a second execution.
    const again = await sim().deliver({ url: `${second.url}/webhook`, runId: ids[2], action: 'slow', shape: 'v1', inputs: { steps: 2, stepMs: 50 } });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    await until(() => terminal(ids), 15_000, 'all runs to be terminal after the restart');
    expect(sim().run(ids[0])).toMatchObject({ status: 'FAILURE', statusLabel: 'interrupted: the service restarted while this run was executing' });
    for (const id of ids.slice(1)) {
      expect(sim().run(id)!.status).toBe('SUCCESS');
      expect(logsOf(id)).toEqual(['step 0', 'step 1', 'done']);
    }
    expectOneFinalEach(ids);
  });

  it('when SIGTERM arrives twice within a moment (npm forwarding it), then it is one graceful shutdown and the run finishes', async () => {
    const child = await start({ SHUTDOWN_GRACE_MS: '10000' });
    const [id] = await deliverSlow(child, 1, { steps: 2, stepMs: 300 });
    await until(() => logsOf(id).length >= 1, 10_000, 'the run to start');
    child.proc.kill('SIGTERM');
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(sim().run(id)).toMatchObject({ status: 'SUCCESS' });
    expect(logsOf(id)).toEqual(['step 0', 'step 1', 'done']);
  });

  it('when a second SIGTERM comes well after the first, then the process exits at once and the next start recovers the run', async () => {
    const first = await start({ SHUTDOWN_GRACE_MS: '20000' });
    const [id] = await deliverSlow(first, 1, { steps: 100, stepMs: 200 });
    await until(() => logsOf(id).length >= 1, 10_000, 'the run to start');
    first.proc.kill('SIGTERM');
    // The service notes the first signal's time just before it logs this line; a second signal more than
    // its 1 s window after we read the line is "again" to it however late either signal is handled.
    await until(() => /SIGTERM received: shutting down gracefully/.test(first.output()), 10_000, 'the first SIGTERM to be handled');
    await new Promise((r) => setTimeout(r, 1100));
    first.proc.kill('SIGTERM');
    expect(await first.exited).toBe(130);
    expect(first.output()).toMatch(/received again: exiting now/);

    await start();
    await until(() => terminal([id]), 10_000, 'the run to be recovered');
    expect(sim().run(id)).toMatchObject({ status: 'FAILURE', statusLabel: 'interrupted: the service restarted while this run was executing' });
    expectOneFinalEach([id]);
  });
});

describe('when handler code misbehaves outside its run()', () => {
  it('when a handler leaves an unhandled rejection and a throwing timer, then the service logs them and keeps serving', async () => {
    const child = await start();
    const res = await sim().deliver({ url: `${child.url}/webhook`, action: 'stray', shape: 'v1' });
    expect(res.status).toBe(202);
    await until(() => terminal([res.runId]), 10_000, 'the run to finish');
    expect(sim().run(res.runId)).toMatchObject({ status: 'SUCCESS' });
    expect(logsOf(res.runId)).toEqual(['still here']);
    const next = await sim().deliver({ url: `${child.url}/webhook`, action: 'quick', shape: 'v1' });
    expect(next.status).toBe(202);
    await until(() => terminal([next.runId]), 10_000, 'the next run to finish');
    expect(child.proc.exitCode).toBeNull();
    expect(child.output()).toMatch(/unhandled promise rejection .*nobody awaited me/);
    expect(child.output()).toMatch(/uncaught exception .*thrown from a timer/);
  });
});

describe('when Port is down for a while', () => {
  it('when every Port call answers 503 for 15 s while 10 runs execute, then afterwards all 10 are terminal with every log line once and in order', async () => {
    const child = await start();
    sim().outage(15_000);
    const ids = await deliverSlow(child, 10, { steps: 3, stepMs: 100 });
    await until(() => terminal(ids), 60_000, 'all runs to be delivered after the outage');
    for (const id of ids) {
      expect(sim().run(id)!.status).toBe('SUCCESS');
      expect(logsOf(id)).toEqual(['step 0', 'step 1', 'step 2', 'done']);
    }
    expectOneFinalEach(ids);
  }, 90_000);
});

describe('when deliveries exceed capacity', () => {
  it('when 200 deliveries arrive against 2 workers and a queue of 5, then exactly 7 get 202, the rest 503 queue_full, and every 202 ends SUCCESS', async () => {
    const child = await start({ MAX_CONCURRENT_RUNS: '2', MAX_QUEUED_RUNS: '5' });
    // No run can finish during the burst (the gate opens after it), so capacity alone decides the answers.
    const gate = path.join(dataDir, 'gate');
    const results = await Promise.all(
      Array.from({ length: 200 }, () => sim().deliver({ url: `${child.url}/webhook`, action: 'held', shape: 'v1', inputs: { gate } })),
    );
    const accepted = results.filter((r) => r.status === 202).map((r) => r.runId);
    const refused = results.filter((r) => r.status !== 202);
    expect(accepted).toHaveLength(7);
    expect(refused).toHaveLength(193);
    expect(refused.every((r) => r.status === 503 && (r.body as { error: string }).error === 'queue_full')).toBe(true);
    writeFileSync(gate, '');
    await until(() => terminal(accepted), 30_000, 'every accepted run to finish');
    for (const id of accepted) {
      expect(sim().run(id)!.status).toBe('SUCCESS');
      expect(logsOf(id)).toEqual(['held', 'released']);
    }
  });
});

describe('when the journal cannot be used', () => {
  it('when DATA_DIR is a corrupt file, then startup fails with a clear message naming DATA_DIR and no stack trace', async () => {
    writeFileSync(path.join(dataDir, 'runs.sqlite'), 'this is not a database, just text that is long enough '.repeat(100));
    const { code, output } = await runToExit(env());
    expect(code).not.toBe(0);
    expect(output).toMatch(/DATA_DIR/);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('when DATA_DIR cannot be created, then startup fails with a clear message naming DATA_DIR and no stack trace', async () => {
    const file = path.join(dataDir, 'a-file');
    writeFileSync(file, 'x');
    const { code, output } = await runToExit(env({ DATA_DIR: path.join(file, 'journal') }));
    expect(code).not.toBe(0);
    expect(output).toMatch(/DATA_DIR/);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('when NODE_ENV=production has no credentials, then it exits non-zero naming PORT_CLIENT_ID', async () => {
    const { code, output } = await runToExit({ NODE_ENV: 'production', DATA_DIR: dataDir });
    expect(code).not.toBe(0);
    expect(output).toMatch(/PORT_CLIENT_ID/);
  });
});
