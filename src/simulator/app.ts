// The simulated Port over HTTP. Every request to a Port route goes through the same steps, in Port's
// order: route → (faults: latency, outage, fail-next) → body size → bearer token → content type / JSON →
// OpenAPI validation → the operation. Each answer is recorded with its timing; contract breaches are
// recorded as violations. /_sim/ serves the inspection and fault API (simRoutes.ts).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { RouteMatch } from './openapi.js';
import { TOKEN_ROUTE } from './recorder.js';
import { SimError } from './simError.js';
import { createDevPage, type DevPageSource } from './devPage/router.js';
import { createSimRouter } from './simRoutes.js';
import type { PortSimulator } from './simulator.js';
import type { ViolationKind } from './types.js';

/** Port's documented body limit. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const readRaw = express.raw({ type: () => true, limit: BODY_LIMIT_BYTES });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: Request, res: Response): Promise<Buffer | 'too_large' | 'unreadable'> {
  return new Promise((resolve) => {
    readRaw(req, res, (err?: unknown) => {
      if (err) resolve((err as { type?: string }).type === 'entity.too.large' ? 'too_large' : 'unreadable');
      else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    });
  });
}

function bodyForLog(raw: Buffer): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  }
}

export interface SimulatorAppOptions {
  logger?: Logger;
  /** Serves the local run page (`npm start` without credentials only). */
  page?: DevPageSource;
}

export function createSimulatorApp(sim: PortSimulator, opts: SimulatorAppOptions = {}): Express {
  const logger = opts.logger ?? silentLogger();
  const app = express();
  app.disable('x-powered-by');
  app.use('/_sim', createSimRouter(sim, logger));
  if (opts.page) app.use(createDevPage(sim, opts.page, logger));

  app.use(async (req: Request, res: Response) => {
    const started = performance.now();
    const startedAt = sim.clock.now();
    const path = req.path;
    const match: RouteMatch | null = sim.validator.match(req.method, path);
    let raw: Buffer = Buffer.alloc(0);
    let fault: string | null = null;
    let refusedWith: string | null = null;
    res.setHeader('x-trace-id', randomUUID());
    res.on('finish', () => {
      sim.recorder.record({
        startedAt,
        method: req.method,
        route: match?.op.template ?? null,
        path,
        query: { ...(req.query as Record<string, unknown>) },
        status: res.statusCode,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        body: bodyForLog(raw),
        fault,
        ...(refusedWith !== null ? { error: refusedWith } : {}),
      });
      logger.debug('simulated Port answered', { method: req.method, path, status: res.statusCode, fault });
    });
    const fail = (status: number, error: string, message: string, violation?: ViolationKind) => {
      if (violation) sim.recorder.violation({ kind: violation, method: req.method, path, route: match?.op.template ?? null, message });
      refusedWith = message;
      res.status(status).json({ ok: false, error, message });
    };

    if (!match) return fail(404, 'not_found', `Route ${req.method}:${path} not found`, 'unknown_route');
    const { op } = match;

    const latency = sim.faults.latencyFor(req.method, op.template);
    if (latency > 0) await sleep(latency);
    // The caller hung up while the simulated latency ran (its process was killed): nobody reads an answer,
    // and its body can no longer be read, so it is neither handled nor counted as a malformed request.
    if (req.socket.destroyed) return;
    const injected = sim.faults.take(req.method, op.template);

    const read = await readBody(req, res);
    if (read === 'too_large') return fail(413, 'payload_too_large', 'Request body is too large (limit is 1MiB)');
    if (read === 'unreadable') return fail(400, 'bad_request', 'The request body could not be read');
    raw = read;

    if (injected) {
      fault = injected.kind;
      res.set(injected.headers).status(injected.status).json(injected.body);
      return;
    }

    if (op.key !== TOKEN_ROUTE) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
      const verdict = m ? sim.checkToken(m[1]) : 'missing';
      if (verdict !== 'ok') {
        const message = verdict === 'expired' ? 'The access token has expired' : verdict === 'missing' ? 'Missing bearer token' : 'Invalid access token';
        return fail(401, 'unauthorized', message);
      }
    }

    const isJson = /^application\/([\w.+-]*\+)?json\b/i.test(req.get('content-type') ?? '');
    let body: unknown;
    if (raw.length === 0) {
      // Port (fastify) refuses a JSON content type with nothing in it.
      if (isJson) return fail(400, 'invalid_json', "Body cannot be empty when content-type is set to 'application/json'", 'invalid_json');
    } else {
      if (!isJson) return fail(415, 'unsupported_media_type', `Unsupported Media Type: ${req.get('content-type') ?? 'none'}`, 'content_type');
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return fail(400, 'invalid_json', 'The request body is not valid JSON', 'invalid_json');
      }
    }

    const checked = sim.validator.validateRequest(op, { params: match.params, query: req.query as Record<string, unknown>, body });
    if (!checked.ok) return fail(422, 'invalid_request', checked.message, 'schema');

    const refusal = sim.faults.takeFinalRefusal(op.key, body);
    if (refusal) {
      fault = 'refuse-final';
      if (typeof refusal.body === 'string') res.status(refusal.status).type('text/plain').send(refusal.body);
      else res.status(refusal.status).json(refusal.body);
      return;
    }

    try {
      const answer = sim.routes[op.key]({ params: match.params, query: checked.query, body });
      res.status(answer.status).json(answer.body);
    } catch (err) {
      if (err instanceof SimError) {
        refusedWith = err.message;
        res.status(err.status).json(err.toBody());
        return;
      }
      logger.error('simulator operation failed', { route: op.key, error: err instanceof Error ? err.message : String(err) });
      fail(500, 'internal_error', 'The simulator failed to handle the request');
    }
  });
  return app;
}
