// The local run page, served by the embedded simulator beside Port's routes: actions with their run
// forms, runs (live), fault toggles, and a small JSON + server-sent-events API for `npm run trigger`.
// Mounted only when the service runs without credentials (never in production).
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../../logger.js';
import type { PortSimulator } from '../simulator.js';
import { actionsBody, type FormEcho } from './actionsView.js';
import { APP_JS, STYLE_CSS } from './assets.js';
import { faultsBody, faultsNow } from './faultsView.js';
import { raw } from './html.js';
import { launchRun, pageActions, type DevPageSource, type LaunchError } from './launch.js';
import { activeFaults, faultBanner, layout } from './layout.js';
import { PageState } from './pageState.js';
import { runDetails } from './runDetails.js';
import { runEventProducer } from './runEvents.js';
import { logLine, runBody, runRegions, runsTable } from './runView.js';
import { openStream, type StreamEvent } from './stream.js';

export type { DevPageSource } from './launch.js';
export type { PageActionDefinition, UserInputSpec } from './definitions.js';

const STATUS_BY_ERROR: Record<LaunchError, number> = {
  unknown_action: 404,
  invalid_inputs: 400,
  unknown_entity: 400,
  invalid_shape: 400,
  service_not_ready: 503,
};

const str = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const int = (v: unknown, fallback: number): number => {
  const n = Number.parseInt(str(v), 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

/** Form fields named `in.<key>` are the action's inputs. */
function formInputs(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (k.startsWith('in.')) out[k.slice(3)] = v;
  return out;
}

export function createDevPage(sim: PortSimulator, source: DevPageSource, logger: Logger): Router {
  const state = new PageState(sim);
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '1mb' });
  const json = express.json({ limit: '1mb' });

  const send = (res: Response, status: number, page: string) => res.status(status).type('html').set('cache-control', 'no-store').send(page);
  const entitiesOf = (bp: string) => sim.entities(bp);

  const actionsPage = (res: Response, status = 200, echo?: FormEcho) => {
    const defs = pageActions(sim);
    send(res, status, layout(state, { title: 'Actions', section: 'actions', body: actionsBody(defs, entitiesOf, echo), stream: '/_page/stream/banner' }));
  };

  router.get('/_page/style.css', (_req, res) => void res.type('css').set('cache-control', 'no-cache').send(STYLE_CSS));
  router.get('/_page/app.js', (_req, res) => void res.type('js').set('cache-control', 'no-cache').send(APP_JS));

  router.get('/', (_req, res) => actionsPage(res));

  router.post('/_page/actions/:action/runs', form, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const action = String(req.params.action);
    const values = formInputs(body);
    const result = await launchRun(state, source, { action, inputs: values, entity: str(body.entity) || null, shape: str(body.shape), form: true });
    if (result.ok) return void res.redirect(303, `/runs/${encodeURIComponent(result.runId)}`);
    actionsPage(res, STATUS_BY_ERROR[result.error], { action, values, entity: str(body.entity), shape: str(body.shape), message: result.message, problems: result.problems ?? [] });
  });

  router.post('/_page/entities/:blueprint', form, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const identifier = str(body.identifier).trim();
    let properties: unknown = {};
    try {
      properties = JSON.parse(str(body.properties) || '{}');
    } catch {
      properties = null;
    }
    if (!identifier || !properties || typeof properties !== 'object' || Array.isArray(properties)) {
      return void res.status(400).type('text').send('An entity needs an identifier, and its properties must be a JSON object. Go back and correct them.');
    }
    sim.seedEntity(String(req.params.blueprint), { identifier, ...(str(body.title) ? { title: str(body.title) } : {}), properties: properties as Record<string, unknown> });
    state.changed();
    res.redirect(303, '/');
  });

  router.get('/runs', (_req, res) =>
    send(res, 200, layout(state, { title: 'Runs', section: 'runs', body: raw(`<h1>Runs</h1><div data-region="runs">${runsTable(sim.runs()).value}</div>`), stream: '/_page/stream/runs' })),
  );

  router.get('/runs/:id', (req, res) => {
    const d = runDetails(state, String(req.params.id));
    if (!d) return void send(res, 404, layout(state, { title: 'Run not found', section: 'runs', body: raw(`<h1>Run not found</h1><p>The simulator has no run with that id (it forgets runs when the service restarts). <a href="/runs">All runs</a></p>`) }));
    send(res, 200, layout(state, { title: `${d.run.action.identifier} ${d.run.status}`, section: 'runs', body: runBody(d, runRegions(d)), stream: `/_page/stream/runs/${encodeURIComponent(d.run.id)}` }));
  });

  router.get('/faults', (_req, res) => {
    const body = faultsBody(activeFaults(state), sim.faults.latencyFor('POST', '/v1/actions/runs/{run_id}/logs'));
    send(res, 200, layout(state, { title: 'Faults', section: 'faults', body, stream: '/_page/stream/faults' }));
  });

  const faultRoute = (kind: string, apply: (b: Record<string, unknown>) => void) =>
    router.post(`/_page/faults/${kind}`, form, (req: Request, res: Response) => {
      apply((req.body ?? {}) as Record<string, unknown>);
      logger.info('local run page: fault injection changed', { fault: kind });
      state.changed();
      res.redirect(303, '/faults');
    });
  faultRoute('latency', (b) => sim.setLatency(int(b.ms, 0)));
  faultRoute('burst', (b) => sim.failNext({ route: '*', count: Math.max(1, int(b.count, 5)), status: 503 }));
  faultRoute('rate-limit', (b) => sim.rateLimit({ count: Math.max(1, int(b.count, 3)), retryAfterSeconds: int(b.retryAfterSeconds, 2) }));
  faultRoute('outage', (b) => {
    const ms = Math.max(1, int(b.seconds, 5)) * 1000;
    sim.outage(ms);
    state.outageFor(ms);
  });
  faultRoute('outage/end', () => {
    sim.clearOutage();
    state.outageFor(null);
  });
  faultRoute('expire-tokens', () => sim.expireTokens());
  faultRoute('clear', () => {
    sim.clearFaults();
    state.outageFor(null);
  });

  // ---- live updates --------------------------------------------------------------------------------
  /** Sends the regions whose markup changed since the last message on this connection. */
  const regionStream = (req: Request, res: Response, regions: () => Record<string, string> | null, extra?: () => Partial<Record<'logs' | 'title', unknown>>) => {
    const last: Record<string, string> = {};
    openStream(req, res, state, () => {
      const now = regions();
      if (!now) return { events: [], done: true };
      const changed: Record<string, string> = {};
      for (const [k, v] of Object.entries(now)) if (last[k] !== v) changed[k] = last[k] = v;
      const more = extra?.() ?? {};
      const events: StreamEvent[] = Object.keys(changed).length || more.logs ? [{ event: 'page', data: { regions: changed, ...more } }] : [];
      return { events };
    });
  };
  router.get('/_page/stream/banner', (req, res) => regionStream(req, res, () => ({ faults: faultBanner(state).value })));
  router.get('/_page/stream/faults', (req, res) => regionStream(req, res, () => ({ faults: faultBanner(state).value, 'faults-now': faultsNow(activeFaults(state)).value })));
  router.get('/_page/stream/runs', (req, res) => regionStream(req, res, () => ({ faults: faultBanner(state).value, runs: runsTable(sim.runs()).value })));
  router.get('/_page/stream/runs/:id', (req, res) => {
    const runId = String(req.params.id);
    let sentLogs = 0;
    let first = true;
    regionStream(
      req,
      res,
      () => {
        const d = runDetails(state, runId);
        return d ? { faults: faultBanner(state).value, ...runRegions(d) } : null;
      },
      () => {
        const run = sim.run(runId);
        if (!run) return {};
        const from = first ? 0 : sentLogs;
        first = false;
        const items = run.logs.slice(from).map((l) => logLine(l).value);
        sentLogs = run.logs.length;
        return { title: `${run.action.identifier} ${run.status} · local Port`, ...(items.length || from === 0 ? { logs: { from, items } } : {}) };
      },
    );
  });

  // ---- JSON API for `npm run trigger` ----------------------------------------------------------------
  router.get('/_page/api/actions', (_req, res) => void res.json({ ok: true, actions: pageActions(sim) }));
  router.post('/_page/api/actions/:action/runs', json, async (req: Request, res: Response) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const inputs = b.inputs && typeof b.inputs === 'object' && !Array.isArray(b.inputs) ? (b.inputs as Record<string, unknown>) : {};
    const result = await launchRun(state, source, { action: String(req.params.action), inputs, entity: typeof b.entity === 'string' ? b.entity : null, shape: b.shape });
    if (!result.ok) return void res.status(STATUS_BY_ERROR[result.error]).json({ ok: false, error: result.error, message: result.message, problems: result.problems });
    res.status(201).json({ ok: true, runId: result.runId, page: `/runs/${encodeURIComponent(result.runId)}` });
  });
  router.get('/_page/api/runs/:id/events', (req, res) => {
    const runId = String(req.params.id);
    if (!sim.run(runId)) return void res.status(404).json({ ok: false, error: 'not_found', message: `no run ${runId}` });
    openStream(req, res, state, runEventProducer(state, runId));
  });
  router.all(/^\/_page\//, (req, res) => void res.status(404).json({ ok: false, error: 'not_found', message: `no page route ${req.method} ${req.path}` }));
  return router;
}
