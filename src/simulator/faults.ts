// Fault injection: latency, "the next N requests to route R answer S", 429 with Retry-After or
// x-ratelimit-reset, and a full outage. Routes are named `METHOD /template`, `/template` (any method) or `*`.
import type { Clock } from '../clock.js';

export interface FailNextRule {
  /** `PATCH /v1/actions/runs/{run_id}`, `/v1/actions/runs/{run_id}` (any method) or `*`. */
  route: string;
  count: number;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RateLimitRule {
  route?: string;
  count?: number;
  /** Sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
  /** Sent as `x-ratelimit-reset`: epoch seconds this many seconds from now. */
  resetAfterSeconds?: number;
}

export interface FaultAnswer {
  kind: 'outage' | 'fail-next';
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface ActiveRule extends FailNextRule {
  remaining: number;
}

export function routeMatches(rule: string, method: string, template: string): boolean {
  if (rule === '*') return true;
  const space = rule.indexOf(' ');
  if (space < 0) return rule === template;
  return rule.slice(0, space).toUpperCase() === method.toUpperCase() && rule.slice(space + 1) === template;
}

/** An injected refusal of a final status: sent as JSON when `body` is an object, else as plain text. */
export interface FinalRefusal {
  status: number;
  body: unknown;
}

const FINAL_ROUTES: Record<string, string> = {
  'PATCH /v1/actions/runs/{run_id}': 'status',
  'POST /v1/actions/runs/{run_id}/logs': 'terminationStatus',
};

export class Faults {
  private latency = new Map<string, number>();
  private finalRefusals: Array<{ kind: 'schema' | 'proxy-conflict'; remaining: number }> = [];
  private rules: ActiveRule[] = [];
  /** Epoch ms the outage ends, Infinity until cleared, null when up. */
  private outageUntil: number | null = null;

  constructor(private readonly clock: Clock) {}

  /** Adds `ms` before every answer on `route` (default all Port routes); 0 removes it. */
  setLatency(ms: number, route = '*'): void {
    if (ms > 0) this.latency.set(route, ms);
    else this.latency.delete(route);
  }

  latencyFor(method: string, template: string): number {
    let ms = 0;
    for (const [route, v] of this.latency) if (routeMatches(route, method, template)) ms = Math.max(ms, v);
    return ms;
  }

  failNext(rule: FailNextRule): void {
    this.rules.push({ ...rule, remaining: rule.count });
  }

  rateLimit(rule: RateLimitRule = {}): void {
    const headers: Record<string, string> = {};
    if (rule.retryAfterSeconds !== undefined) headers['retry-after'] = String(rule.retryAfterSeconds);
    if (rule.resetAfterSeconds !== undefined) {
      headers['x-ratelimit-reset'] = String(Math.ceil(this.clock.now() / 1000 + rule.resetAfterSeconds));
      headers['x-ratelimit-remaining'] = '0';
    }
    this.failNext({
      route: rule.route ?? '*',
      count: rule.count ?? 1,
      status: 429,
      body: { ok: false, error: 'rate_limit_exceeded', message: 'Too many requests (simulated)' },
      headers,
    });
  }

  /** All Port routes answer 503 for `durationMs`, or until clearOutage() when omitted. */
  outage(durationMs?: number): void {
    this.outageUntil = durationMs === undefined ? Infinity : this.clock.now() + durationMs;
  }

  clearOutage(): void {
    this.outageUntil = null;
  }

  get outageActive(): boolean {
    if (this.outageUntil === null) return false;
    if (this.clock.now() < this.outageUntil) return true;
    this.outageUntil = null;
    return false;
  }

  /** The injected answer for this request, if any; consumes one use of a fail-next rule. */
  take(method: string, template: string): FaultAnswer | null {
    if (this.outageActive) {
      return { kind: 'outage', status: 503, body: { ok: false, error: 'service_unavailable', message: 'Port is unavailable (simulated outage)' }, headers: {} };
    }
    const rule = this.rules.find((r) => r.remaining > 0 && routeMatches(r.route, method, template));
    if (!rule) return null;
    rule.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    const body = rule.body ?? { ok: false, error: rule.status >= 500 ? 'internal_error' : 'simulated_error', message: `Simulated ${rule.status}` };
    return { kind: 'fail-next', status: rule.status, body, headers: rule.headers ?? {} };
  }

  refuseFinals(kind: 'schema' | 'proxy-conflict', count: number): void {
    this.finalRefusals.push({ kind, remaining: count });
  }

  /** The injected refusal for a request that carries a final status, if any (consumes one use). */
  takeFinalRefusal(routeKey: string, body: unknown): FinalRefusal | null {
    const field = FINAL_ROUTES[routeKey];
    if (!field || !body || typeof body !== 'object' || (body as Record<string, unknown>)[field] === undefined) return null;
    const rule = this.finalRefusals.find((r) => r.remaining > 0);
    if (!rule) return null;
    rule.remaining -= 1;
    this.finalRefusals = this.finalRefusals.filter((r) => r.remaining > 0);
    return rule.kind === 'schema'
      ? { status: 422, body: { ok: false, error: 'invalid_request', message: "The json provided does not match the route's schema" } }
      : { status: 409, body: 'Conflict' };
  }

  /** Fail-next uses not consumed yet (tests assert a client stopped retrying). */
  get pending(): number {
    return this.rules.reduce((n, r) => n + r.remaining, 0);
  }

  clear(): void {
    this.latency.clear();
    this.rules = [];
    this.finalRefusals = [];
    this.outageUntil = null;
  }
}
