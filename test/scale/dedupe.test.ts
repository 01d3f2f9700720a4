// Three replicas of the built service on one Redis: deliveries and redeliveries spread over all of them,
// some at the same moment, run once each, and Port sees every log line once and in order.
import { afterEach, expect, it } from '@jest/globals';
import { answerKind, describeScale, inPool, startCluster, until, type Cluster } from './cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const RUNS = 300;
const EXPECTED_LOGS = ['step 0', 'step 1', 'done'];

describeScale('scale-out: dedupe across replicas', () => {
  it('when 300 deliveries are spread over 3 replicas and each is redelivered to another one (every 4th at the same moment), then every run executes exactly once and Port sees each log line once and in order', async () => {
    const c = (cluster = await startCluster());
    const replicas = await Promise.all([c.start('all'), c.start('all'), c.start('all')]);
    const { sim } = c.simulator;
    const inputs = { steps: 2, stepMs: 20 };
    const runIds = Array.from({ length: RUNS }, () => sim.createRun({ action: 'scale_work', properties: inputs }).id);
    const deliverTo = (runId: string, replica: number) =>
      sim.deliver({ url: `${replicas[replica % 3].url}/webhook`, runId, action: 'scale_work', shape: 'v1', inputs });

    const answers = await inPool(runIds, 12, async (runId, i) => {
      if (i % 4 === 0) return Promise.all([deliverTo(runId, i), deliverTo(runId, i + 1)]);
      const first = await deliverTo(runId, i);
      return [first, await deliverTo(runId, i + 1)];
    });

    // Exactly one of the two deliveries of each run was accepted; the other was answered duplicate.
    const kinds = answers.map((pair) => pair.map((a) => answerKind(a.status, a.body)).sort());
    const unexpected = answers.flat().filter((a) => answerKind(a.status, a.body) === 'other');
    expect(unexpected.slice(0, 3).map((a) => ({ status: a.status, body: a.body }))).toEqual([]);
    const notOnce = kinds.map((k, i) => ({ runId: runIds[i], answers: k.join() })).filter((k) => k.answers !== 'accepted,duplicate');
    expect({ runs: notOnce.length, first: notOnce.slice(0, 3) }).toEqual({ runs: 0, first: [] });
    // Every replica accepted some: the deliveries really were spread.
    const acceptedBy = new Set(answers.map((pair) => pair.findIndex((a) => a.status === 202)).map((j, i) => (i + j) % 3));
    expect(acceptedBy.size).toBe(3);

    await until(() => c.terminal(runIds), 90_000, `all ${RUNS} runs to be terminal`);

    // Redelivered once more after the run (and perhaps its job) is gone: still a duplicate, nothing runs.
    const late = await inPool(runIds.slice(0, 30), 6, (runId, i) => deliverTo(runId, i + 2));
    expect(late.filter((a) => answerKind(a.status, a.body) !== 'duplicate').map((a) => ({ status: a.status, body: a.body }))).toEqual([]);
    // Runs start in the order they are taken: once a later run has finished, a wrongly queued one has run.
    const later = await sim.deliver({ url: `${replicas[0].url}/webhook`, action: 'scale_work', shape: 'v1', inputs });
    expect(later.status).toBe(202);
    await until(() => c.terminal([later.runId]), 20_000, 'a later run to finish');

    const wrong: Array<Record<string, unknown>> = [];
    for (const id of runIds) {
      const run = c.run(id)!;
      const logs = c.logsAtPort(id);
      if (c.executions(id) !== 1 || run.status !== 'SUCCESS' || logs.join('|') !== EXPECTED_LOGS.join('|') || run.rejectedWrites.length) {
        wrong.push({ id, executions: c.executions(id), status: run.status, label: run.statusLabel, logs, rejected: run.rejectedWrites.length });
      }
    }
    expect({ runs: wrong.length, first: wrong.slice(0, 3) }).toEqual({ runs: 0, first: [] });
    // Work was spread over the replicas too (not one replica doing everything).
    const executors = new Set(runIds.flatMap((id) => c.executedBy(id)));
    expect(executors.size).toBeGreaterThan(1);
    expect(sim.violations()).toEqual([]);
  }, 150_000);
});
