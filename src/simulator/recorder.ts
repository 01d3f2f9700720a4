// What the simulator saw: every request to a Port route (with timings and the body as sent), counts per
// route, and every violation of Port's contract.
import type { Clock } from '../clock.js';
import type { RequestRecord, Violation } from './types.js';

export const TOKEN_ROUTE = 'POST /v1/auth/access_token';
export const UNKNOWN_ROUTE = 'unknown';

/** The request log must never hold a credential: the token request's secret is masked. */
export function maskBody(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'clientSecret' in body) {
    return { ...(body as Record<string, unknown>), clientSecret: '[redacted]' };
  }
  return body;
}

export class Recorder {
  private seq = 0;
  private log: RequestRecord[] = [];
  private violationList: Violation[] = [];
  private countsByRoute = new Map<string, number>();
  private listeners = new Set<(rec: RequestRecord) => void>();

  constructor(
    private readonly clock: Clock,
    /** Oldest entries are dropped beyond this (a long `npm start` session must not grow without bound). */
    private readonly maxRequests = 100_000,
  ) {}

  record(entry: Omit<RequestRecord, 'seq' | 'at'> & { startedAt: number }): RequestRecord {
    const { startedAt, ...rest } = entry;
    const rec: RequestRecord = { seq: ++this.seq, at: new Date(startedAt).toISOString(), ...rest, body: maskBody(rest.body) };
    this.log.push(rec);
    if (this.log.length > this.maxRequests) this.log.splice(0, this.log.length - this.maxRequests);
    const key = rec.route ? `${rec.method} ${rec.route}` : UNKNOWN_ROUTE;
    this.countsByRoute.set(key, (this.countsByRoute.get(key) ?? 0) + 1);
    for (const listener of this.listeners) listener(rec);
    return rec;
  }

  /** Called after each recorded request (the local run page updates live from it); returns the unsubscribe. */
  onRecord(listener: (rec: RequestRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  violation(v: Omit<Violation, 'at'>): void {
    this.violationList.push({ at: new Date(this.clock.now()).toISOString(), ...v });
  }

  requests(filter?: { route?: string; method?: string }): RequestRecord[] {
    return this.log.filter((r) => (!filter?.route || r.route === filter.route) && (!filter?.method || r.method === filter.method.toUpperCase()));
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.countsByRoute);
  }

  count(routeKey: string): number {
    return this.countsByRoute.get(routeKey) ?? 0;
  }

  get tokenRequests(): number {
    return this.count(TOKEN_ROUTE);
  }

  violations(): Violation[] {
    return [...this.violationList];
  }

  clear(): void {
    this.log = [];
    this.violationList = [];
    this.countsByRoute.clear();
  }
}
