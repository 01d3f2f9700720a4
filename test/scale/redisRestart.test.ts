// Redis goes away under load (SIGKILLed, its AOF with appendfsync always) and comes back on the same
// data: the replicas answer only 202, 200 or 503 meanwhile, report the outage on /readyz, reconnect by
// themselves, and every delivery that got a 202 runs once and reaches Port complete.
import { afterEach, expect, it } from '@jest/globals';
import type { DeliveryResult } from '../../src/simulator/index.js';
import { describeScale, readiness, startCluster, until, type Cluster } from './cluster.js';
import { startOwnRedis, type OwnRedis } from './redis.js';

let cluster: Cluster | undefined;
let own: OwnRedis | undefined;
afterEach(async () => {
  await cluster?.close();
  await own?.destroy();
  cluster = undefined;
  own = undefined;
});

const EXPECTED_LOGS = ['step 0', 'step 1', 'done'];

describeScale('scale-out: Redis restarts', () => {
  it('when Redis is killed and restarted while 2 replicas take deliveries, then the answers are only 202/200/503, readyz names store meanwhile, and every 202 ends SUCCESS once with all its log lines', async () => {
    const r = (own = await startOwnRedis({ appendfsync: 'always' }));
    // The outage is shorter than a job lock, so runs in flight keep their locks and finish normally.
    const c = (cluster = await startCluster({ redisUrl: r.url, env: { LOCK_DURATION_MS: '30000' } }));
    const replicas = await Promise.all([c.start('all'), c.start('all')]);
    const { sim } = c.simulator;
    const inputs = { steps: 2, stepMs: 150 };
    const answers: DeliveryResult[] = [];
    let loading = true;
    const sender = async (lane: number) => {
      for (let i = 0; loading && i < 2000; i++) {
        const target = replicas[(i + lane) % replicas.length];
        answers.push(await sim.deliver({ url: `${target.url}/webhook`, action: 'scale_work', shape: 'v1', inputs, timeoutMs: 15_000 }));
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    const load = Promise.all([sender(0), sender(1), sender(2)]);
    const readyzDuringOutage: Array<{ status: number; failing: string[] }> = [];
    try {
      await until(() => answers.filter((a) => a.status === 202).length >= 10, 20_000, 'the load to get going');
      await r.kill();
      await until(
        async () => {
          const rz = await readiness(replicas[0].url);
          readyzDuringOutage.push(rz);
          return rz.status === 503;
        },
        15_000,
        'readyz to answer 503 while Redis is down',
      );
      const outageStart = answers.length;
      await until(() => answers.slice(outageStart).some((a) => a.status === 503), 15_000, 'a delivery to be refused while Redis is down');
      await r.start();
      for (const rep of replicas) await until(async () => (await readiness(rep.url)).status === 200, 30_000, `${rep.name} to be ready again`);
      const back = answers.length;
      await until(() => answers.slice(back).filter((a) => a.status === 202).length >= 10, 20_000, 'deliveries to be accepted again');
    } finally {
      loading = false;
      await load;
    }

    expect(readyzDuringOutage[readyzDuringOutage.length - 1].failing).toContain('store');
    const odd = answers.filter((a) => !(a.status === 202 || a.status === 200 || (a.status === 503 && (a.body as { error?: string })?.error === 'store_unavailable')));
    expect(odd.map((a) => ({ status: a.status, body: a.body, error: a.error }))).toEqual([]);
    expect(answers.some((a) => a.status === 503)).toBe(true);

    const accepted = answers.filter((a) => a.status === 202).map((a) => a.runId);
    await until(() => c.terminal(accepted), 60_000, `all ${accepted.length} accepted runs to be terminal`);
    const wrong = accepted
      .map((id) => ({ id, status: c.run(id)!.status, label: c.run(id)!.statusLabel, executions: c.executions(id), logs: c.logsAtPort(id) }))
      .filter((x) => x.status !== 'SUCCESS' || x.executions !== 1 || x.logs.join('|') !== EXPECTED_LOGS.join('|'));
    expect({ runs: wrong.length, first: wrong.slice(0, 3) }).toEqual({ runs: 0, first: [] });
    expect(sim.violations()).toEqual([]);
    for (const rep of replicas) {
      expect(rep.alive()).toBe(true);
      // One clear line per outage, not one per reconnect attempt.
      expect({ replica: rep.name, outageLines: rep.output().match(/is unreachable/g)?.length ?? 0 }).toEqual({ replica: rep.name, outageLines: 1 });
    }
  }, 150_000);
});
