// Port access tokens: fetched once, shared by every call until shortly before they expire, refreshed by one
// request however many callers need a new one at the same moment (port-agent's flaw was one per call).
import { decodeJwt } from 'jose';
import type { Clock } from '../clock.js';
import type { Logger, Redactor } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { backoffDelay } from './retry.js';

/** POST /v1/auth/access_token answer (required keys only). */
export interface TokenResponse {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  tokenType: string;
}

export interface AccessToken {
  readonly value: string;
  /** The Authorization header value, e.g. `Bearer eyJ…`. */
  readonly authorization: string;
  /** Epoch ms when Port stops accepting it. */
  readonly expiresAt: number;
  /** Epoch ms from which a new one is fetched before use. */
  readonly refreshAt: number;
}

/** What the HTTP loop needs from the token side (no import of portHttp.ts here: auth sits below it). */
export interface TokenSource {
  getToken(): Promise<AccessToken>;
  /** Drops `value` if it is still the cached token (a 401 said Port no longer takes it). */
  invalidate(value: string): void;
}

export interface TokenManagerOptions {
  /** Sends one token request (retries included); the manager decides when. */
  fetchToken: () => Promise<TokenResponse>;
  clock: Clock;
  logger: Logger;
  redactor?: Redactor;
  metrics?: Metrics;
  /** Wait after Port first refuses our credentials; doubles per refusal up to `refusedMaxDelayMs`. */
  refusedBaseDelayMs?: number;
  refusedMaxDelayMs?: number;
  random?: () => number;
}

/**
 * Where the token stands, for readiness detail and logs: `ok` (a token is cached), `none` (none asked for
 * yet, or it expired), `failing` (the last request got no usable answer), `refused` (Port answered 401/403
 * to our credentials: no new request before `retryAt`).
 */
export interface TokenStatus {
  state: 'ok' | 'none' | 'failing' | 'refused';
  /** Epoch ms the state began. */
  since: number;
  /** While refused: when the next token request may go out. */
  retryAt?: number;
  /** Refusals in a row. */
  refusals?: number;
  /** Port's status and error code of the last failure (never a token or secret). */
  lastError?: string;
}

const MAX_REFRESH_AHEAD_MS = 60_000;

/**
 * Expiry = the earlier of `expiresIn` and the JWT's `exp` (read unverified: we only need the time). An `exp`
 * already past by our clock means our clock is off, not the token: it is then ignored, else every call
 * would fetch a new token. Refresh ahead by min(60 s, lifetime / 10), so short lifetimes still reuse it.
 */
export function tokenTimes(resp: TokenResponse, obtainedAt: number): { expiresAt: number; refreshAt: number } {
  let expiresAt = obtainedAt + resp.expiresIn * 1000;
  const exp = jwtExpiry(resp.accessToken);
  if (exp !== null && exp > obtainedAt && exp < expiresAt) expiresAt = exp;
  const lifetime = expiresAt - obtainedAt;
  return { expiresAt, refreshAt: expiresAt - Math.min(MAX_REFRESH_AHEAD_MS, lifetime / 10) };
}

function jwtExpiry(token: string): number | null {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null; // not a JWT: expiresIn alone decides
  }
}

const REFUSED_BASE_DELAY_MS = 5_000;
const REFUSED_MAX_DELAY_MS = 5 * 60_000;

export class TokenManager implements TokenSource {
  private cached: AccessToken | null = null;
  private inflight: Promise<AccessToken> | null = null;
  private current: TokenStatus;
  /** While refused: the refusal every caller gets until retryAt, without a request. */
  private refusal: { error: unknown; retryAt: number; count: number } | null = null;
  /** The token value registered with the redactor. */
  private masked: string | null = null;

  constructor(private readonly opts: TokenManagerOptions) {
    this.current = { state: 'none', since: opts.clock.now() };
  }

  /**
   * A token valid now: the cached one, or the single in-flight refresh everyone awaits. While Port refuses
   * our credentials, callers get that refusal at once until the backoff allows one more request.
   */
  getToken(): Promise<AccessToken> {
    const now = this.opts.clock.now();
    if (this.cached && now < this.cached.refreshAt) return Promise.resolve(this.cached);
    if (this.refusal && now < this.refusal.retryAt && !this.inflight) return Promise.reject(this.refusal.error);
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  invalidate(value: string): void {
    if (this.cached?.value === value) this.cached = null;
  }

  status(): TokenStatus {
    if (this.current.state === 'ok' && (!this.cached || this.opts.clock.now() >= this.cached.expiresAt)) {
      return { state: 'none', since: this.cached?.expiresAt ?? this.current.since };
    }
    return { ...this.current };
  }

  /** Moves to a new state; logs and updates the metric only when the state changes. */
  private enter(next: Omit<TokenStatus, 'since'>, err?: unknown): void {
    const changed = next.state !== this.current.state;
    this.current = { ...next, since: changed ? this.opts.clock.now() : this.current.since };
    this.opts.metrics?.portCredentialsRefused.set(next.state === 'refused' ? 1 : 0);
    if (!changed) return;
    const log = this.opts.logger;
    if (next.state === 'refused') {
      log.error('Port refuses our credentials (PORT_CLIENT_ID/PORT_CLIENT_SECRET revoked or rotated?); token requests back off', {
        error: next.lastError,
        retryInMs: (next.retryAt ?? 0) - this.opts.clock.now(),
      });
    } else if (next.state === 'failing') {
      log.warn('port token request failed', { error: errText(err) });
    } else if (next.state === 'ok') {
      log.info('port access token obtained');
    }
  }

  private refused(err: unknown): void {
    const count = (this.refusal?.count ?? 0) + 1;
    const delay = backoffDelay(
      count,
      { baseDelayMs: this.opts.refusedBaseDelayMs ?? REFUSED_BASE_DELAY_MS, maxDelayMs: this.opts.refusedMaxDelayMs ?? REFUSED_MAX_DELAY_MS },
      this.opts.random,
    );
    const retryAt = this.opts.clock.now() + delay;
    this.refusal = { error: err, retryAt, count };
    this.enter({ state: 'refused', retryAt, refusals: count, lastError: describe(err) });
  }

  private async refresh(): Promise<AccessToken> {
    const startedAt = this.opts.clock.now();
    this.opts.metrics?.tokenRefreshes.inc();
    let resp: TokenResponse;
    try {
      resp = await this.opts.fetchToken();
    } catch (err) {
      if (isCredentialRefusal(err)) this.refused(err);
      else this.enter({ state: 'failing', lastError: describe(err) }, err);
      // Inside the refresh-ahead window the old token still works: keep serving it rather than failing calls.
      const old = this.cached;
      if (old && this.opts.clock.now() < old.expiresAt) {
        this.opts.logger.warn('port token refresh failed; using the current token until it expires', { error: errText(err) });
        return old;
      }
      throw err;
    }
    this.refusal = null;
    // Only the token in use is masked by value: a replaced one is dropped, not kept forever.
    if (this.masked !== null && this.masked !== resp.accessToken) this.opts.redactor?.remove(this.masked);
    this.opts.redactor?.add(resp.accessToken);
    this.masked = resp.accessToken;
    // Times count from when we asked, not when the answer came: errs on the early side.
    const times = tokenTimes(resp, startedAt);
    const scheme = resp.tokenType && resp.tokenType.toLowerCase() !== 'bearer' ? resp.tokenType : 'Bearer';
    const token: AccessToken = { value: resp.accessToken, authorization: `${scheme} ${resp.accessToken}`, ...times };
    this.cached = token;
    this.enter({ state: 'ok' });
    this.opts.logger.debug('port access token refreshed', { expiresInMs: times.expiresAt - startedAt });
    return token;
  }
}

/** Port refusing the credentials themselves (not an outage): 401 or 403 on the token request. */
function isCredentialRefusal(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return status === 401 || status === 403;
}

function describe(err: unknown): string {
  const e = err as { status?: unknown; portError?: unknown } | null;
  if (e && typeof e.status === 'number') return `HTTP ${e.status || 'no answer'}${typeof e.portError === 'string' ? ` ${e.portError}` : ''}`;
  return errText(err);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
