// Port access tokens: fetched once, shared by every call until shortly before they expire, refreshed by one
// request however many callers need a new one at the same moment (port-agent's flaw was one per call).
import { decodeJwt } from 'jose';
import type { Clock } from '../clock.js';
import type { Logger, Redactor } from '../logger.js';
import type { Metrics } from '../metrics.js';

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

export class TokenManager implements TokenSource {
  private cached: AccessToken | null = null;
  private inflight: Promise<AccessToken> | null = null;

  constructor(private readonly opts: TokenManagerOptions) {}

  /** A token valid now: the cached one, or the single in-flight refresh everyone awaits. */
  getToken(): Promise<AccessToken> {
    const now = this.opts.clock.now();
    if (this.cached && now < this.cached.refreshAt) return Promise.resolve(this.cached);
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  invalidate(value: string): void {
    if (this.cached?.value === value) this.cached = null;
  }

  private async refresh(): Promise<AccessToken> {
    const startedAt = this.opts.clock.now();
    this.opts.metrics?.tokenRefreshes.inc();
    let resp: TokenResponse;
    try {
      resp = await this.opts.fetchToken();
    } catch (err) {
      // Inside the refresh-ahead window the old token still works: keep serving it rather than failing calls.
      const old = this.cached;
      if (old && this.opts.clock.now() < old.expiresAt) {
        this.opts.logger.warn('port token refresh failed; using the current token until it expires', { error: errText(err) });
        return old;
      }
      throw err;
    }
    this.opts.redactor?.add(resp.accessToken);
    // Times count from when we asked, not when the answer came: errs on the early side.
    const times = tokenTimes(resp, startedAt);
    const scheme = resp.tokenType && resp.tokenType.toLowerCase() !== 'bearer' ? resp.tokenType : 'Bearer';
    const token: AccessToken = { value: resp.accessToken, authorization: `${scheme} ${resp.accessToken}`, ...times };
    this.cached = token;
    this.opts.logger.debug('port access token obtained', { expiresInMs: times.expiresAt - startedAt });
    return token;
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
