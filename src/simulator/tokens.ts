// Access tokens that really expire. They look like JWTs (header.payload.signature with `exp`) so a client
// may read `exp` with jose; validity is decided here, by the table, against the injected clock.
import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';

interface IssuedToken {
  clientId: string;
  expiresAtMs: number;
  revoked: boolean;
}

export interface TokenGrant {
  accessToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export class TokenStore {
  private readonly key = randomBytes(32);
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly activeByClient = new Map<string, string>();

  constructor(
    private readonly clock: Clock,
    public lifetimeSeconds: number,
    /** Port returns the same active token until it expires, so `expiresIn` can be short. */
    private readonly reuseActive: boolean,
  ) {}

  issue(clientId: string): TokenGrant {
    const now = this.clock.now();
    const active = this.activeByClient.get(clientId);
    const current = active ? this.tokens.get(active) : undefined;
    // A token with under a second left is not handed out again: expiresIn 0 would only make clients spin.
    if (this.reuseActive && active && current && !current.revoked && current.expiresAtMs - now >= 1000) {
      return { accessToken: active, expiresIn: Math.floor((current.expiresAtMs - now) / 1000), tokenType: 'Bearer' };
    }
    const expiresAtMs = now + this.lifetimeSeconds * 1000;
    const header = b64url({ alg: 'HS256', typ: 'JWT' });
    const payload = b64url({
      sub: clientId,
      isMachine: true,
      iat: Math.floor(now / 1000),
      exp: Math.floor(expiresAtMs / 1000),
      jti: randomBytes(8).toString('hex'),
    });
    const signature = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    this.tokens.set(token, { clientId, expiresAtMs, revoked: false });
    this.activeByClient.set(clientId, token);
    return { accessToken: token, expiresIn: this.lifetimeSeconds, tokenType: 'Bearer' };
  }

  /** 'ok', or why the token is refused. */
  check(token: string): 'ok' | 'unknown' | 'expired' {
    const t = this.tokens.get(token);
    if (!t || t.revoked) return 'unknown';
    return this.clock.now() < t.expiresAtMs ? 'ok' : 'expired';
  }

  /** Fault: every token issued so far stops working (as if it had expired). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.revoked = true;
    this.activeByClient.clear();
  }
}
