// The environment is read once, here, into a frozen typed object. Anything invalid stops startup with a
// message that names the variable. There is no default secret: without credentials the service only runs
// (outside production) against the embedded Port simulator, with a secret generated for that process.
import { z } from 'zod';
import { CodedError } from './errors.js';

export const PORT_API_URLS = { eu: 'https://api.port.io', us: 'https://api.us.port.io' } as const;

export interface Config {
  readonly port: number;
  readonly nodeEnv: 'production' | 'development' | 'test';
  readonly production: boolean;
  /** Null when the service runs against the embedded simulator (no credentials, not production). */
  readonly portCredentials: { readonly clientId: string; readonly clientSecret: string } | null;
  readonly portApiUrl: string;
  /** Extra accepted webhook signing secrets (rotation); the client secret is always accepted too. */
  readonly webhookSecrets: readonly string[];
  readonly webhookToleranceSeconds: number;
  readonly webhookMaxBodyBytes: number;
  readonly handlersDir: string;
  readonly runTimeoutMs: number;
  readonly maxConcurrentRuns: number;
  readonly maxQueuedRuns: number;
  readonly dataDir: string;
  readonly shutdownGraceMs: number;
  readonly logLevel: 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';
  /** JSON lines or readable ones; unset, it follows NODE_ENV (JSON in production). */
  readonly logFormat: 'json' | 'pretty';
  /** Time budget for one Port call, retries included; final statuses get `portFinalCallBudgetMs`. */
  readonly portCallBudgetMs: number;
  readonly portFinalCallBudgetMs: number;
  /** Where the embedded simulator (and its local run page) listens when there are no credentials; 0 picks a free port. */
  readonly simulatorPort: number;
  /** The service's public base URL: Port's webhook target in exported and synced actions; null when unset. */
  readonly publicUrl: string | null;
  /** Sync the handlers' action definitions into Port when the service starts. */
  readonly syncActionsOnStart: boolean;
  /** Finished runs keep their payload (inputs, secrets, result) this long, then only what dedupe needs. */
  readonly journalRetentionDays: number;
  /** A finished run's id is remembered this long: a redelivery within it is a duplicate. */
  readonly dedupeTtlHours: number;
  /** Where runs, dedupe records and the outbox live; and, with Redis, which replicas do what. */
  readonly store: StoreConfig;
}

export type RunStoreKind = 'sqlite' | 'redis';
export type Role = 'all' | 'web' | 'worker';

export interface StoreConfig {
  readonly kind: RunStoreKind;
  /** all: accept and execute; web: accept only; worker: execute only (Redis only). */
  readonly role: Role;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  /** How often workers look for runs whose worker died (BullMQ stalledInterval). */
  readonly stallIntervalMs: number;
  /** How long a worker's hold on a run (and on a run's outbox) lasts without renewal. */
  readonly lockDurationMs: number;
  /** How long start-up waits for Redis before giving up. */
  readonly redisStartupTimeoutMs: number;
}

/** Every variable with its default, the source of `.env.example` and README's table. */
export const ENV_DEFAULTS: Record<string, string> = {
  PORT: '3000',
  NODE_ENV: 'development',
  PORT_CLIENT_ID: '',
  PORT_CLIENT_SECRET: '',
  PORT_API_URL: '',
  PORT_REGION: 'eu',
  PORT_WEBHOOK_SECRETS: '',
  WEBHOOK_TOLERANCE_SECONDS: '300',
  WEBHOOK_MAX_BODY_BYTES: '1048576',
  HANDLERS_DIR: 'handlers',
  RUN_TIMEOUT_MS: '900000',
  MAX_CONCURRENT_RUNS: '16',
  MAX_QUEUED_RUNS: '1000',
  DATA_DIR: './data',
  SHUTDOWN_GRACE_MS: '25000',
  LOG_LEVEL: 'info',
  LOG_FORMAT: '',
  PORT_CALL_BUDGET_MS: '30000',
  PORT_FINAL_CALL_BUDGET_MS: '120000',
  SIMULATOR_PORT: '3001',
  PUBLIC_URL: '',
  SYNC_ACTIONS_ON_START: 'false',
  JOURNAL_RETENTION_DAYS: '7',
  DEDUPE_TTL_HOURS: '168',
  RUN_STORE: 'sqlite',
  ROLE: 'all',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_PREFIX: 'port-runner',
  STALL_INTERVAL_MS: '30000',
  LOCK_DURATION_MS: '30000',
  REDIS_STARTUP_TIMEOUT_MS: '30000',
};

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Repeated in an error message: numbers and fixed words. Any other value may hold a credential (a secret,
 *  a URL with user:password@) and is never echoed, nor is that of a variable not listed here. */
const ECHOED = new Set([
  'PORT',
  'NODE_ENV',
  'PORT_REGION',
  'WEBHOOK_TOLERANCE_SECONDS',
  'WEBHOOK_MAX_BODY_BYTES',
  'RUN_TIMEOUT_MS',
  'MAX_CONCURRENT_RUNS',
  'MAX_QUEUED_RUNS',
  'SHUTDOWN_GRACE_MS',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'PORT_CALL_BUDGET_MS',
  'PORT_FINAL_CALL_BUDGET_MS',
  'JOURNAL_RETENTION_DAYS',
  'DEDUPE_TTL_HOURS',
  'RUN_STORE',
  'ROLE',
  'STALL_INTERVAL_MS',
  'LOCK_DURATION_MS',
  'REDIS_STARTUP_TIMEOUT_MS',
]);

// The Port client authenticates with the client credentials; user:password@ in the URL would only be a
// second credential that ends up wherever the URL is printed.
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .refine((u) => {
    if (!URL.canParse(u)) return true; // already reported as not a URL
    const { username, password } = new URL(u);
    return username === '' && password === '';
  }, 'must not carry credentials (user:password@); Port is called with PORT_CLIENT_ID/PORT_CLIENT_SECRET');

/** Plain http:// is allowed in production only to this host (a local proxy or sidecar), never over a network. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Node timers hold at most 2^31-1 ms (about 24.8 days); larger values would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

const schema = z.object({
  PORT: int(0, 65535),
  NODE_ENV: z.enum(['production', 'development', 'test'], { error: 'must be one of production, development, test' }),
  PORT_CLIENT_ID: z.string(),
  PORT_CLIENT_SECRET: z.string(),
  PORT_API_URL: z.union([z.literal(''), httpUrl]),
  PORT_REGION: z.enum(['eu', 'us', 'EU', 'US']),
  PORT_WEBHOOK_SECRETS: z.string(),
  WEBHOOK_TOLERANCE_SECONDS: int(1, 86_400),
  WEBHOOK_MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024),
  HANDLERS_DIR: z.string().min(1),
  RUN_TIMEOUT_MS: int(1, MAX_TIMER_MS),
  MAX_CONCURRENT_RUNS: int(1, 10_000),
  MAX_QUEUED_RUNS: int(0, 1_000_000).refine(
    (n) => n >= 1,
    'must be at least 1 (with 0, a delivery that finds every MAX_CONCURRENT_RUNS slot busy would be refused instead of waiting)',
  ),
  DATA_DIR: z.string().min(1),
  SHUTDOWN_GRACE_MS: int(0, MAX_TIMER_MS),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']),
  LOG_FORMAT: z.enum(['', 'json', 'pretty'], { error: 'must be json or pretty (unset: json in production, pretty otherwise)' }),
  PORT_CALL_BUDGET_MS: int(100, MAX_TIMER_MS),
  PORT_FINAL_CALL_BUDGET_MS: int(100, MAX_TIMER_MS),
  SIMULATOR_PORT: int(0, 65535),
  PUBLIC_URL: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]),
  SYNC_ACTIONS_ON_START: z.enum(['true', 'false'], { message: 'must be true or false' }),
  JOURNAL_RETENTION_DAYS: int(0, 3650),
  DEDUPE_TTL_HOURS: int(1, 87_600),
  RUN_STORE: z.enum(['sqlite', 'redis'], { error: 'must be one of: sqlite, redis' }),
  ROLE: z.enum(['all', 'web', 'worker'], { error: 'must be one of: all, web, worker' }),
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.{}-]+$/, 'may hold only letters, digits and _ . - { }'),
  STALL_INTERVAL_MS: int(100, MAX_TIMER_MS),
  LOCK_DURATION_MS: int(100, MAX_TIMER_MS),
  REDIS_STARTUP_TIMEOUT_MS: int(0, MAX_TIMER_MS),
});

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, string> = {};
  for (const [name, fallback] of Object.entries(ENV_DEFAULTS)) {
    const value = env[name];
    raw[name] = value === undefined || value.trim() === '' ? fallback : value.trim();
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0]);
    const got = ECHOED.has(variable) ? ` (got "${raw[variable]}")` : '';
    throw new CodedError('config_invalid', `${variable} is invalid: ${issue.message}${got}`, { variable });
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  const hasId = e.PORT_CLIENT_ID !== '';
  const hasSecret = e.PORT_CLIENT_SECRET !== '';
  if (hasId !== hasSecret) {
    const missing = hasId ? 'PORT_CLIENT_SECRET' : 'PORT_CLIENT_ID';
    throw new CodedError('config_invalid', `${missing} is required when the other Port credential is set`, {
      variable: missing,
    });
  }
  if (!hasId && production) {
    throw new CodedError(
      'config_invalid',
      'PORT_CLIENT_ID is required with NODE_ENV=production (and PORT_CLIENT_SECRET, which also verifies webhooks)',
      { variable: 'PORT_CLIENT_ID' },
    );
  }

  const syncActionsOnStart = e.SYNC_ACTIONS_ON_START === 'true';
  if (syncActionsOnStart && hasId && e.PUBLIC_URL === '') {
    throw new CodedError('config_invalid', 'PUBLIC_URL is required with SYNC_ACTIONS_ON_START=true: it is the webhook URL the synced actions point at', {
      variable: 'PUBLIC_URL',
    });
  }
  if (e.ROLE !== 'all' && e.RUN_STORE !== 'redis') {
    // A web-only replica on its own SQLite file would accept runs that no worker can ever see.
    throw new CodedError('config_invalid', `ROLE=${e.ROLE} needs RUN_STORE=redis (with RUN_STORE=sqlite the only role is all)`, {
      variable: 'ROLE',
    });
  }

  const region = e.PORT_REGION.toLowerCase() as 'eu' | 'us';
  const portApiUrl = (e.PORT_API_URL || PORT_API_URLS[region]).replace(/\/+$/, '');
  const { protocol, hostname } = new URL(portApiUrl);
  if (production && protocol !== 'https:' && !isLoopback(hostname)) {
    throw new CodedError(
      'config_invalid',
      'PORT_API_URL must be https:// with NODE_ENV=production (plain http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])',
      { variable: 'PORT_API_URL' },
    );
  }
  const config: Config = {
    port: e.PORT,
    nodeEnv: e.NODE_ENV,
    production,
    portCredentials: hasId ? Object.freeze({ clientId: e.PORT_CLIENT_ID, clientSecret: e.PORT_CLIENT_SECRET }) : null,
    portApiUrl,
    webhookSecrets: Object.freeze(
      e.PORT_WEBHOOK_SECRETS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    webhookToleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
    webhookMaxBodyBytes: e.WEBHOOK_MAX_BODY_BYTES,
    handlersDir: e.HANDLERS_DIR,
    runTimeoutMs: e.RUN_TIMEOUT_MS,
    maxConcurrentRuns: e.MAX_CONCURRENT_RUNS,
    maxQueuedRuns: e.MAX_QUEUED_RUNS,
    dataDir: e.DATA_DIR,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT || (production ? 'json' : 'pretty'),
    portCallBudgetMs: e.PORT_CALL_BUDGET_MS,
    portFinalCallBudgetMs: e.PORT_FINAL_CALL_BUDGET_MS,
    simulatorPort: e.SIMULATOR_PORT,
    publicUrl: e.PUBLIC_URL === '' ? null : e.PUBLIC_URL.replace(/\/+$/, ''),
    syncActionsOnStart,
    journalRetentionDays: e.JOURNAL_RETENTION_DAYS,
    dedupeTtlHours: e.DEDUPE_TTL_HOURS,
    store: Object.freeze({
      kind: e.RUN_STORE,
      role: e.ROLE,
      redisUrl: e.REDIS_URL,
      redisPrefix: e.REDIS_PREFIX,
      stallIntervalMs: e.STALL_INTERVAL_MS,
      lockDurationMs: e.LOCK_DURATION_MS,
      redisStartupTimeoutMs: e.REDIS_STARTUP_TIMEOUT_MS,
    }),
  };
  return Object.freeze(config);
}

/** A config for tests and the test kit: defaults plus overrides, still validated. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', ...overrides });
}
