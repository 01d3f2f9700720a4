// /_sim/: the inspection and fault API over HTTP, so a separately spawned service (or `npm start` in dev
// mode, via POST /_sim/deliver) can be driven and checked. Mirrors the PortSimulator JS methods.
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../logger.js';
import type { PortSimulator } from './simulator.js';

type Handler = (req: Request) => unknown;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function createSimRouter(sim: PortSimulator, logger: Logger): Router {
  const router = express.Router();
  router.use(express.json({ limit: '2mb' }));

  const route = (method: 'get' | 'post' | 'delete', path: string, handler: Handler) => {
    router[method](path, async (req: Request, res: Response) => {
      try {
        const out = await handler(req);
        res.status(200).json({ ok: true, ...(out as object) });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        logger.warn('simulator control request failed', { path: req.path, message });
        res.status(400).json({ ok: false, error: 'bad_request', message });
      }
    });
  };

  route('get', '/', () => ({ clientId: sim.clientId, counts: sim.counts(), tokenRequests: sim.tokenRequests }));
  route('get', '/runs', () => ({ runs: sim.runs() }));
  route('get', '/runs/:id', (req) => {
    const run = sim.run(String(req.params.id));
    if (!run) throw new Error(`no run ${String(req.params.id)}`);
    return { run };
  });
  route('post', '/runs', (req) => {
    const b = req.body ?? {};
    if (!str(b.action)) throw new Error('action is required');
    return { run: sim.createRun({ action: b.action, blueprint: str(b.blueprint), properties: b.properties, entity: str(b.entity), runId: str(b.runId) }) };
  });
  route('get', '/actions', () => ({ actions: sim.actions() }));
  route('get', '/entities', (req) => ({ entities: sim.entities(str(req.query.blueprint)) }));
  route('post', '/entities/:blueprint', (req) => ({ entity: sim.seedEntity(String(req.params.blueprint), req.body) }));
  route('get', '/requests', (req) => ({ requests: sim.requests({ route: str(req.query.route), method: str(req.query.method) }) }));
  route('get', '/counts', () => ({ counts: sim.counts(), tokenRequests: sim.tokenRequests }));
  route('get', '/violations', () => ({ violations: sim.violations() }));
  route('post', '/reset', () => {
    sim.reset();
    return {};
  });

  route('post', '/faults/latency', (req) => {
    sim.setLatency(num(req.body?.ms) ?? 0, str(req.body?.route));
    return {};
  });
  route('post', '/faults/next', (req) => {
    const b = req.body ?? {};
    const status = num(b.status);
    if (!status) throw new Error('status is required');
    sim.failNext({ route: str(b.route) ?? '*', count: num(b.count) ?? 1, status, body: b.body, headers: b.headers });
    return {};
  });
  route('post', '/faults/rate-limit', (req) => {
    const b = req.body ?? {};
    sim.rateLimit({ route: str(b.route), count: num(b.count), retryAfterSeconds: num(b.retryAfterSeconds), resetAfterSeconds: num(b.resetAfterSeconds) });
    return {};
  });
  route('post', '/faults/outage', (req) => {
    sim.outage(num(req.body?.durationMs));
    return {};
  });
  route('delete', '/faults/outage', () => {
    sim.clearOutage();
    return {};
  });
  route('delete', '/faults', () => {
    sim.clearFaults();
    return {};
  });
  route('post', '/tokens/expire', () => {
    sim.expireTokens();
    return {};
  });

  route('post', '/deliver', async (req) => {
    const b = req.body ?? {};
    if (!str(b.url) || !str(b.action)) throw new Error('url and action are required');
    const shape = b.shape ?? 'default-template';
    if (!['v1', 'trigger', 'default-template', 'url-action'].includes(shape)) throw new Error(`unknown shape ${String(shape)}`);
    const result = await sim.deliver({ ...b, shape });
    return { delivery: result };
  });

  router.use((req: Request, res: Response) => {
    res.status(404).json({ ok: false, error: 'not_found', message: `No simulator control route ${req.method} /_sim${req.path}` });
  });
  return router;
}
