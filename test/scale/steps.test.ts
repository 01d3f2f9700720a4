// Durable steps across replicas: the replica executing a resumable run is SIGKILLed or SIGTERMed during its
// second step, and another replica resumes the run from its last finished step: step one is not run again,
// step two is (it never finished), and Port sees one run with every log line once and in order.
import { afterEach, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeScale, startCluster, TAKEOVER_WITHIN_MS, until, type Cluster, type Replica } from './cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** What handlers/scale_steps.mjs marked for the run, `<what> <pid>` per line, by every replica, in order. */
function marks(c: Cluster, runId: string): string[] {
  const file = path.join(c.markerDir, runId);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** The replica that executes the run's step two (whichever worker took the job). */
async function stepTwoRunsOn(c: Cluster, runId: string): Promise<{ victim: Replica; survivor: Replica }> {
  await until(() => marks(c, runId).some((l) => l.startsWith('two ')), 20_000, 'step two to start');
  const pid = Number(marks(c, runId).find((l) => l.startsWith('two '))!.slice('two '.length));
  const victim = c.replicas.find((r) => r.pid === pid);
  const survivor = c.replicas.find((r) => r.pid !== pid);
  if (!victim || !survivor) throw new Error(`step two ran on pid ${pid}, which is not one of the two replicas`);
  return { victim, survivor };
}

const logsWith = (resumeLine: string) => [
  'starting',
  'step one done',
  'after one: 0',
  'step two started',
  resumeLine,
  'after two: pr 42',
  'step three done',
];

describeScale('durable steps across replicas', () => {
  it('when the replica executing a resumable run is SIGKILLed during step two, then the other replica resumes it within the stall interval: step one ran once, two twice (once on each), three once, SUCCESS, every log line once and in order', async () => {
    const c = (cluster = await startCluster());
    await Promise.all([c.start('all'), c.start('all')]);
    const { sim } = c.simulator;
    const res = await sim.deliver({ url: `${c.replicas[0].url}/webhook`, action: 'scale_steps', shape: 'v1', inputs: { twoMs: 60_000 } });
    expect(res.status).toBe(202);
    const id = res.runId;
    const { victim, survivor } = await stepTwoRunsOn(c, id);
    // Kill once Port has step two's line and the journal has had time to record that it did: a kill in the
    // instant between Port's answer and that record sends the line again (at-least-once, as README says),
    // which is not what this test is about.
    await until(() => c.logsAtPort(id).includes('step two started'), 10_000, "Port to receive step two's line");
    await sleep(500);
    const killedAt = Date.now();
    await victim.kill();
    expect(c.run(id)!.status).toBe('IN_PROGRESS');

    await until(() => c.terminal([id]), TAKEOVER_WITHIN_MS + 10_000, 'the other replica to finish the run');
    const tookMs = Date.now() - killedAt;
    expect(c.run(id)!.status).toBe('SUCCESS');
    const [a, b] = [victim.pid, survivor.pid];
    expect(marks(c, id)).toEqual([`start ${a}`, `one ${a}`, `two ${a}`, `start ${b}`, `two ${b}`, `three ${b}`]);
    expect(c.logsAtPort(id)).toEqual(logsWith('resumed after a crash: 1 steps already done'));
    expect(survivor.output()).toMatch(/resuming a run interrupted by a crash on another worker/);
    expect(c.run(id)!.rejectedWrites).toEqual([]);
    expect(sim.violations()).toEqual([]);
    expect(tookMs).toBeLessThan(TAKEOVER_WITHIN_MS + 10_000);
  }, 90_000);

  it('when the replica executing a resumable run is SIGTERMed during step two, then it exits 0 within its grace leaving the run IN_PROGRESS, and the other replica resumes it from step two to SUCCESS with the shutdown resume line', async () => {
    const GRACE_MS = 1000;
    const c = (cluster = await startCluster({ env: { SHUTDOWN_GRACE_MS: String(GRACE_MS) } }));
    await Promise.all([c.start('all'), c.start('all')]);
    const { sim } = c.simulator;
    // Step two takes 2 s when resumed, so the run cannot be over before the stopped replica has exited:
    // its status at that moment is the paused run's, not the resumed one's.
    const res = await sim.deliver({ url: `${c.replicas[0].url}/webhook`, action: 'scale_steps', shape: 'v1', inputs: { twoMs: 60_000, againMs: 2000 } });
    expect(res.status).toBe(202);
    const id = res.runId;
    const { victim, survivor } = await stepTwoRunsOn(c, id);
    await until(() => c.logsAtPort(id).includes('step two started'), 10_000, "Port to receive step two's line");

    // Port's view at the instant the process is gone, before anything else runs in this test process.
    let statusAtExit: string | undefined;
    victim.proc.once('exit', () => (statusAtExit = c.run(id)?.status));
    const sentAt = Date.now();
    const code = await victim.terminate();
    const exitMs = Date.now() - sentAt;
    expect(code).toBe(0);
    // The grace, then the pause journaled, the outbox flushed and the connections closed: far less than
    // the 60 s the step would have taken.
    expect(exitMs).toBeLessThan(GRACE_MS + 9000);
    expect(statusAtExit).toBe('IN_PROGRESS');
    expect(victim.output()).toMatch(/run paused by the shutdown/);

    await until(() => c.terminal([id]), 20_000, 'the other replica to finish the run');
    expect(c.run(id)!.status).toBe('SUCCESS');
    const [a, b] = [victim.pid, survivor.pid];
    expect(marks(c, id)).toEqual([`start ${a}`, `one ${a}`, `two ${a}`, `start ${b}`, `two ${b}`, `three ${b}`]);
    expect(c.logsAtPort(id)).toEqual(logsWith('resumed after a shutdown: 1 steps already done'));
    expect(survivor.output()).toMatch(/resuming a run interrupted by a shutdown on another worker/);
    expect(c.run(id)!.rejectedWrites).toEqual([]);
    expect(sim.violations()).toEqual([]);
  }, 90_000);
});
