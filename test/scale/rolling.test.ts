// A deploy rolls: one ROLE=web replica behind a load balancer and two ROLE=worker replicas are each
// replaced, one after another (the new one ready before the old one gets SIGTERM), while deliveries keep
// coming. Nothing is lost, nothing is stuck, nothing runs twice.
import { afterEach, expect, it } from '@jest/globals';
import type { DeliveryResult } from '../../src/simulator/index.js';
import { startBalancer, type Balancer } from './balancer.js';
import { describeScale, readiness, startCluster, until, type Cluster, type Replica } from './cluster.js';

let cluster: Cluster | undefined;
let balancer: Balancer | undefined;
afterEach(async () => {
  await balancer?.close();
  await cluster?.close();
  cluster = undefined;
  balancer = undefined;
});

const EXPECTED_LOGS = ['step 0', 'step 1', 'done'];

describeScale('scale-out: rolling restart', () => {
  it('when a web and two worker replicas are each replaced one after another under steady load, then every delivery is accepted, every run ends SUCCESS once and no run is stuck', async () => {
    const c = (cluster = await startCluster());
    const lb = (balancer = await startBalancer());
    const [web, w1, w2] = await Promise.all([c.start('web'), c.start('worker'), c.start('worker')]);
    lb.add(web.url);
    await lb.waitReady(web.url);
    for (const w of [w1, w2]) await until(async () => (await readiness(w.url)).status === 200, 15_000, `${w.name} to be ready`);

    // A worker serves no webhook route.
    const onWorker = await c.simulator.sim.deliver({ url: `${w1.url}/webhook`, action: 'scale_work', shape: 'v1' });
    expect(onWorker.status).toBe(404);

    const { sim } = c.simulator;
    const inputs = { steps: 2, stepMs: 150 };
    const answers: DeliveryResult[] = [];
    let loading = true;
    const sender = async () => {
      for (let i = 0; loading && i < 2000; i++) {
        answers.push(await sim.deliver({ url: `${lb.url}/webhook`, action: 'scale_work', shape: 'v1', inputs }));
        await new Promise((r) => setTimeout(r, 60));
      }
    };
    const load = Promise.all([sender(), sender()]);

    const replaceOne = async (old: Replica) => {
      const fresh = await c.start(old.role);
      if (old.role === 'web') {
        lb.add(fresh.url);
        await lb.waitReady(fresh.url);
      } else {
        await until(async () => (await readiness(fresh.url)).status === 200, 15_000, `${fresh.name} to be ready`);
      }
      const code = await old.terminate();
      if (old.role === 'web') lb.remove(old.url);
      return code;
    };
    try {
      await until(() => answers.length >= 10, 15_000, 'the load to get going');
      const codes: Array<number | string> = [];
      for (const old of [web, w1, w2]) codes.push(await replaceOne(old));
      expect(codes).toEqual([0, 0, 0]);
      const settled = answers.length;
      await until(() => answers.length >= settled + 10, 15_000, 'more deliveries after the last restart');
    } finally {
      loading = false;
      await load;
    }

    const refused = answers.filter((a) => a.status !== 202);
    expect(refused.map((a) => ({ status: a.status, body: a.body, error: a.error }))).toEqual([]);
    const ids = answers.map((a) => a.runId);
    await until(() => c.terminal(ids), 60_000, `all ${ids.length} runs to be terminal`);
    const wrong = ids
      .map((id) => ({ id, status: c.run(id)!.status, label: c.run(id)!.statusLabel, executions: c.executions(id), logs: c.logsAtPort(id) }))
      .filter((r) => r.status !== 'SUCCESS' || r.executions !== 1 || r.logs.join('|') !== EXPECTED_LOGS.join('|'));
    expect({ runs: wrong.length, first: wrong.slice(0, 3) }).toEqual({ runs: 0, first: [] });
    // Both generations of workers did work: the load really ran across the restarts.
    const executors = new Set(ids.flatMap((id) => c.executedBy(id)));
    expect(executors.has(w1.pid) || executors.has(w2.pid)).toBe(true);
    expect([...executors].some((pid) => pid !== w1.pid && pid !== w2.pid)).toBe(true);
    // ROLE=web accepts only: no run executed on a web replica.
    const webPids = c.replicas.filter((r) => r.role === 'web').map((r) => r.pid);
    expect([...executors].filter((pid) => webPids.includes(pid))).toEqual([]);
    expect(sim.violations()).toEqual([]);
  }, 150_000);
});
