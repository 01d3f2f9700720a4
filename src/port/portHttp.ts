// The loop around single got attempts: adds the token, retries transient answers within the call's time
// budget, and turns a final failure into a PortApiError. Every Port request goes through PortHttp.send.
//
// got's own retry is off on purpose: the budget spans the token fetch and every wait, Retry-After dates and
// x-ratelimit-reset are read against the injected clock, and a 401 must refresh the token and retry once
// without counting as a retry. A loop over single got attempts states all of that in one place.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { RequestError } from 'got';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { AccessToken, TokenSource } from './auth.js';
import { PortApiError } from './errors.js';
import { createPortGot, type AttemptContext, type PortGot } from './portGot.js';
import { DEFAULT_BACKOFF, isRetryableStatus, nextDelay, type BackoffOptions } from './retry.js';
import type { PortCallOptions } from './types.js';

export interface PortHttpOptions {
  baseUrl: string;
  logger: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** Default time for one call, retries and waits included. */
  budgetMs?: number;
  retry?: Partial<BackoffOptions>;
  /** Upper bound of one attempt (shortened to what is left of the budget). */
  requestTimeoutMs?: number;
  userAgent?: string;
  /** Injected for tests: how to wait between attempts, and the jitter source. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface PortRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Route template for metrics, logs and errors, e.g. `PATCH /v1/actions/runs/{run_id}`. */
  route: string;
  /** Path below the base URL, segments already encoded, no leading slash. */
  path: string;
  searchParams?: Record<string, string>;
  json?: unknown;
  /** Where the Authorization comes from; absent for the token request itself. */
  auth?: TokenSource;
  call?: PortCallOptions;
}

export interface PortResponse {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

interface Attempt extends PortResponse {
  /** Set when no usable answer came: network error, timeout, abort, or a 2xx that was not JSON. */
  error?: Error;
}

export class PortHttp {
  private readonly http: PortGot;
  private readonly clock: Clock;
  private readonly budgetMs: number;
  private readonly backoff: BackoffOptions;
  private readonly requestTimeoutMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: PortHttpOptions) {
    this.clock = opts.clock ?? systemClock;
    this.budgetMs = opts.budgetMs ?? 30_000;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.retry };
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.sleep = opts.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
    this.http = createPortGot({ baseUrl: opts.baseUrl, userAgent: opts.userAgent });
  }

  /** Sends `req` until a 2xx, a final answer, or the end of the budget. Resolves only with a 2xx. */
  async send(req: PortRequest): Promise<PortResponse> {
    const signal = req.call?.signal;
    const budgetMs = req.call?.budgetMs ?? this.budgetMs;
    const deadline = this.clock.now() + budgetMs;
    let attempts = 0;
    let retries = 0;
    let refreshedAfter401 = false;
    let last: Attempt | null = null;
    for (;;) {
      this.throwIfAborted(req, signal);
      const token = req.auth ? await this.tokenWithin(req, req.auth, deadline, budgetMs, attempts, last, signal) : null;
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) throw this.exhausted(req, last, attempts, budgetMs);
      attempts++;
      last = await this.attempt(req, token?.authorization, Math.min(this.requestTimeoutMs, remaining), signal);
      if (last.status >= 200 && last.status < 300 && !last.error) return last;
      this.throwIfAborted(req, signal);

      if (last.status === 401 && token && !refreshedAfter401) {
        // Expired or revoked early: one new token, one more try; a second 401 is final (no loop).
        refreshedAfter401 = true;
        req.auth!.invalidate(token.value);
        this.logAttempt('debug', 'port api answered 401; refreshing the token once', req, last, attempts);
        continue;
      }
      if (!isRetryableStatus(last.status)) {
        this.logAttempt(last.status >= 500 || last.status === 0 ? 'warn' : 'debug', 'port api call failed', req, last, attempts);
        throw toPortApiError(req.route, last);
      }
      const delay = nextDelay({
        retry: ++retries,
        status: last.status,
        headers: last.headers,
        nowMs: this.clock.now(),
        deadlineMs: deadline,
        backoff: this.backoff,
        random: this.opts.random,
      });
      if (!delay) throw this.exhausted(req, last, attempts, budgetMs);
      this.opts.metrics?.portRetries.inc({ route: req.route });
      this.logAttempt('warn', 'port api attempt failed; retrying', req, last, attempts, { delayMs: delay.delayMs, delaySource: delay.source });
      try {
        await this.sleep(delay.delayMs, signal);
      } catch (err) {
        this.throwIfAborted(req, signal);
        throw err;
      }
    }
  }

  /**
   * The shared token fetch runs on the client's default budget (it serves every waiting caller); each caller
   * stops waiting for it at its own deadline or abort, and the fetch goes on for the others.
   */
  private async tokenWithin(
    req: PortRequest,
    auth: TokenSource,
    deadline: number,
    budgetMs: number,
    attempts: number,
    last: Attempt | null,
    signal?: AbortSignal,
  ): Promise<AccessToken> {
    const pending = auth.getToken();
    pending.catch(() => undefined); // a caller that stopped waiting must not leave an unhandled rejection
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.exhausted(req, last, attempts, budgetMs)), Math.max(0, deadline - this.clock.now()));
      onAbort = () => reject(abortedError(req, signal));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([pending, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Closes kept-alive sockets (shutdown, tests). */
  close(): void {
    this.http.close();
  }

  private async attempt(req: PortRequest, authorization: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Attempt> {
    const started = performance.now();
    let result: Attempt;
    try {
      const res = await this.http.got(req.path, {
        method: req.method,
        ...(req.searchParams && Object.keys(req.searchParams).length > 0 ? { searchParams: req.searchParams } : {}),
        ...(req.json !== undefined ? { json: req.json } : {}),
        timeout: { request: Math.max(1, Math.floor(timeoutMs)) },
        context: { runId: req.call?.runId, authorization } satisfies AttemptContext,
        ...(signal ? { signal } : {}),
      });
      result = { status: res.statusCode, body: res.body, headers: res.headers };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // A 2xx whose body is not JSON (got's ParseError) keeps its status; anything else had no answer.
      const res = err instanceof RequestError ? err.response : undefined;
      result = res ? { status: res.statusCode, body: res.body, headers: res.headers, error } : { status: 0, body: undefined, headers: {}, error };
    }
    const m = this.opts.metrics;
    m?.portRequests.inc({ route: req.route, status: result.status === 0 ? 'network' : String(result.status) });
    m?.portLatency.observe({ route: req.route }, (performance.now() - started) / 1000);
    return result;
  }

  private throwIfAborted(req: PortRequest, signal?: AbortSignal): void {
    if (signal?.aborted) throw abortedError(req, signal);
  }

  private exhausted(req: PortRequest, last: Attempt | null, attempts: number, budgetMs: number): PortApiError {
    const note = `gave up after ${attempts} attempt(s) within the ${budgetMs} ms budget`;
    if (last) this.logAttempt('warn', `port api call failed: ${note}`, req, last, attempts);
    return last
      ? toPortApiError(req.route, last, note)
      : new PortApiError({ status: 0, portError: 'budget_exhausted', message: `${req.route}: ${note}`, route: req.route });
  }

  private logAttempt(level: 'warn' | 'debug', msg: string, req: PortRequest, a: Attempt, attempt: number, extra: Record<string, unknown> = {}): void {
    // Never the request headers: they hold the token.
    this.opts.logger.log(level, msg, {
      route: req.route,
      status: a.status === 0 ? 'network' : a.status,
      traceId: traceIdOf(a),
      portError: portErrorOf(a.body),
      error: a.error?.message,
      attempt,
      runId: req.call?.runId,
      ...(req.call?.action ? { action: req.call.action } : {}),
      ...extra,
    });
  }
}

function toPortApiError(route: string, a: Attempt, note?: string): PortApiError {
  const body = a.body as { message?: unknown } | undefined;
  const detail =
    body && typeof body === 'object' && typeof body.message === 'string'
      ? body.message
      : a.error?.message ?? (typeof a.body === 'string' && a.body ? a.body.slice(0, 200) : 'no message');
  const status = a.status === 0 ? 'no answer' : `HTTP ${a.status}`;
  return new PortApiError({
    status: a.status,
    portError: portErrorOf(a.body),
    traceId: traceIdOf(a),
    route,
    message: `${route}: ${status}: ${detail}${note ? ` (${note})` : ''}`,
    cause: a.error,
  });
}

function abortedError(req: PortRequest, signal?: AbortSignal): PortApiError {
  return new PortApiError({ status: 0, portError: 'aborted', message: `${req.route}: aborted`, route: req.route, cause: signal?.reason });
}

function portErrorOf(body: unknown): string | null {
  const e = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  return typeof e === 'string' ? e : null;
}

function traceIdOf(a: PortResponse): string | null {
  const v = a.headers['x-trace-id'];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}
