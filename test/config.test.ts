import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ENV_DEFAULTS, loadConfig } from '../src/config.js';
import type { CodedError } from '../src/errors.js';

describe('loadConfig', () => {
  it('when nothing is set, then the documented defaults apply and no credentials exist', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      portApiUrl: 'https://api.port.io',
      webhookToleranceSeconds: 300,
      handlersDir: 'handlers',
      runTimeoutMs: 900_000,
      maxConcurrentRuns: 16,
      maxQueuedRuns: 1000,
      dataDir: './data',
      shutdownGraceMs: 25_000,
      logLevel: 'info',
      portCredentials: null,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('when PORT_REGION=us, then the US API is used; PORT_API_URL wins over the region', () => {
    expect(loadConfig({ PORT_REGION: 'us' }).portApiUrl).toBe('https://api.us.port.io');
    expect(loadConfig({ PORT_REGION: 'us', PORT_API_URL: 'http://127.0.0.1:9/' }).portApiUrl).toBe('http://127.0.0.1:9');
  });

  it('when a number is not a number, then startup fails naming the variable', () => {
    expect(() => loadConfig({ MAX_CONCURRENT_RUNS: 'lots' })).toThrow(/MAX_CONCURRENT_RUNS/);
    expect(() => loadConfig({ MAX_CONCURRENT_RUNS: '0' })).toThrow(/MAX_CONCURRENT_RUNS/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/^PORT is invalid/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('when production has no credentials, then startup fails naming PORT_CLIENT_ID', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(expect.objectContaining({ code: 'config_invalid', details: { variable: 'PORT_CLIENT_ID' } }));
  });

  it('when only one credential is set, then startup fails naming the other', () => {
    expect(() => loadConfig({ PORT_CLIENT_ID: 'id' })).toThrow(/PORT_CLIENT_SECRET/);
    expect(() => loadConfig({ PORT_CLIENT_SECRET: 'secret' })).toThrow(/PORT_CLIENT_ID/);
  });

  it('when rotation secrets are listed, then they are split and trimmed', () => {
    expect(loadConfig({ PORT_WEBHOOK_SECRETS: ' a-old-secret , b-older ,' }).webhookSecrets).toEqual(['a-old-secret', 'b-older']);
  });

  it('when .env.example is read, then it lists every variable with its default', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const [name, value] of Object.entries(ENV_DEFAULTS)) {
      expect(example).toContain(`\n${name}=${value}\n`);
    }
  });
});

describe('loadConfig timer limits', () => {
  it('when a duration exceeds what a Node timer can hold, then startup fails naming the variable', () => {
    expect(() => loadConfig({ RUN_TIMEOUT_MS: '3000000000' })).toThrow(/^RUN_TIMEOUT_MS is invalid/);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: '3000000000' })).toThrow(/^SHUTDOWN_GRACE_MS is invalid/);
    expect(loadConfig({ RUN_TIMEOUT_MS: '2147483647' }).runTimeoutMs).toBe(2147483647);
  });
});

/** Production with credentials: only the variable under test can make it fail. */
const prod = { NODE_ENV: 'production', PORT_CLIENT_ID: 'id', PORT_CLIENT_SECRET: 'secret' };

/** The refusal loadConfig throws for `env` (fails the test when the config is accepted). */
function refusal(env: Record<string, string>): { code: string; message: string; details: unknown } {
  try {
    loadConfig(env);
  } catch (err) {
    const e = err as CodedError;
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error(`config was accepted: ${JSON.stringify(env)}`);
}

describe('loadConfig NODE_ENV', () => {
  it('when NODE_ENV is not production, development or test, then startup fails naming NODE_ENV and the allowed values', () => {
    expect(refusal({ NODE_ENV: 'prod' })).toEqual({
      code: 'config_invalid',
      message: 'NODE_ENV is invalid: must be one of production, development, test (got "prod")',
      details: { variable: 'NODE_ENV' },
    });
    expect(refusal({ NODE_ENV: 'Production' }).details).toEqual({ variable: 'NODE_ENV' });
  });

  it('when NODE_ENV is one of the three or unset, then it is accepted and only production is production', () => {
    expect(loadConfig({}).nodeEnv).toBe('development');
    expect(loadConfig({ NODE_ENV: 'test' })).toMatchObject({ nodeEnv: 'test', production: false });
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({ nodeEnv: 'development', production: false });
    expect(loadConfig(prod)).toMatchObject({ nodeEnv: 'production', production: true });
  });
});

describe('loadConfig PORT_API_URL', () => {
  it('when PORT_API_URL is plain http:// in production, then startup fails naming PORT_API_URL and the loopback exception', () => {
    expect(refusal({ ...prod, PORT_API_URL: 'http://api.example.com' })).toEqual({
      code: 'config_invalid',
      message: 'PORT_API_URL must be https:// with NODE_ENV=production (plain http:// only to a loopback host: 127.0.0.0/8, localhost, [::1])',
      details: { variable: 'PORT_API_URL' },
    });
    for (const url of ['http://128.0.0.1:9', 'http://localhost.example.com', 'http://[::2]:9', 'http://10.0.0.1']) {
      expect(refusal({ ...prod, PORT_API_URL: url }).details).toEqual({ variable: 'PORT_API_URL' });
    }
  });

  it('when PORT_API_URL is http:// to a loopback host in production, or any http(s):// outside it, then it is used', () => {
    for (const url of ['http://127.0.0.1:9', 'http://127.10.20.30', 'http://localhost:8080', 'http://[::1]:9']) {
      expect(loadConfig({ ...prod, PORT_API_URL: url }).portApiUrl).toBe(url);
    }
    expect(loadConfig({ ...prod, PORT_API_URL: 'https://port.internal.example/' }).portApiUrl).toBe('https://port.internal.example');
    expect(loadConfig({ NODE_ENV: 'test', PORT_API_URL: 'http://port.example.com' }).portApiUrl).toBe('http://port.example.com');
  });

  it('when PORT_API_URL is not an http(s) URL, then startup fails naming PORT_API_URL without repeating it', () => {
    for (const url of ['ftp://api.port.io', 'file:///etc/passwd', 'ws://api.port.io', 'javascript:alert(1)', 'api.port.io', 'http://']) {
      expect(refusal({ PORT_API_URL: url })).toEqual({
        code: 'config_invalid',
        message: 'PORT_API_URL is invalid: must be an http:// or https:// URL',
        details: { variable: 'PORT_API_URL' },
      });
    }
  });

  it('when PORT_API_URL carries user:password@, then startup fails and the message holds neither', () => {
    for (const env of [{ PORT_API_URL: 'https://admin:s3cr3t-pw@api.port.io' }, { ...prod, PORT_API_URL: 'http://admin:s3cr3t-pw@api.port.io' }, { PORT_API_URL: 'ftp://admin:s3cr3t-pw@api.port.io' }]) {
      const r = refusal(env);
      expect(r.details).toEqual({ variable: 'PORT_API_URL' });
      expect(r.message).not.toMatch(/s3cr3t|admin/);
    }
    expect(refusal({ PORT_API_URL: 'https://token@api.port.io' }).message).toBe(
      'PORT_API_URL is invalid: must not carry credentials (user:password@); Port is called with PORT_CLIENT_ID/PORT_CLIENT_SECRET',
    );
  });
});

describe('loadConfig error messages', () => {
  it('when a number or a fixed word is refused, then the message repeats the value; any other value is never repeated', () => {
    expect(refusal({ PORT: '70000' }).message).toBe('PORT is invalid: Too big: expected number to be <=65535 (got "70000")');
    expect(refusal({ LOG_LEVEL: 'loud' }).message).toMatch(/^LOG_LEVEL is invalid: .* \(got "loud"\)$/);
    // Every variable given a value none accepts: only numbers and fixed words repeat it, nothing that may
    // hold a credential (secrets, URLs with user:password@), nor a variable added later without thought.
    const repeating = Object.keys(ENV_DEFAULTS).filter((name) => {
      const value = `${name}-with:a-secret@inside`;
      try {
        loadConfig({ [name]: value });
        return false;
      } catch (err) {
        return (err as Error).message.includes(value);
      }
    });
    expect(repeating.sort()).toEqual(
      [
        'PORT', 'NODE_ENV', 'PORT_REGION', 'WEBHOOK_TOLERANCE_SECONDS', 'WEBHOOK_MAX_BODY_BYTES', 'RUN_TIMEOUT_MS', 'MAX_CONCURRENT_RUNS', 'MAX_QUEUED_RUNS',
        'SHUTDOWN_GRACE_MS', 'LOG_LEVEL', 'LOG_FORMAT', 'PORT_CALL_BUDGET_MS', 'PORT_FINAL_CALL_BUDGET_MS', 'JOURNAL_RETENTION_DAYS', 'DEDUPE_TTL_HOURS',
        'RUN_STORE', 'ROLE', 'STALL_INTERVAL_MS', 'LOCK_DURATION_MS', 'REDIS_STARTUP_TIMEOUT_MS',
      ].sort(),
    );
  });
});

describe('loadConfig MAX_QUEUED_RUNS', () => {
  it('when MAX_QUEUED_RUNS=0, then startup fails naming it and saying why', () => {
    expect(refusal({ MAX_QUEUED_RUNS: '0' })).toEqual({
      code: 'config_invalid',
      message:
        'MAX_QUEUED_RUNS is invalid: must be at least 1 (with 0, a delivery that finds every MAX_CONCURRENT_RUNS slot busy would be refused instead of waiting) (got "0")',
      details: { variable: 'MAX_QUEUED_RUNS' },
    });
    expect(loadConfig({ MAX_QUEUED_RUNS: '1' }).maxQueuedRuns).toBe(1);
  });
});

describe('loadConfig LOG_FORMAT', () => {
  it('when LOG_FORMAT is unset, then production logs JSON and everything else pretty lines', () => {
    expect(loadConfig(prod).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'test' }).logFormat).toBe('pretty');
  });

  it('when LOG_FORMAT is set, then it wins over NODE_ENV', () => {
    expect(loadConfig({ ...prod, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'development', LOG_FORMAT: 'json' }).logFormat).toBe('json');
  });

  it('when LOG_FORMAT is neither json nor pretty, then startup fails naming LOG_FORMAT and the allowed values', () => {
    expect(refusal({ LOG_FORMAT: 'xml' })).toEqual({
      code: 'config_invalid',
      message: 'LOG_FORMAT is invalid: must be json or pretty (unset: json in production, pretty otherwise) (got "xml")',
      details: { variable: 'LOG_FORMAT' },
    });
  });
});

describe('loadConfig trimming and blanks', () => {
  it('when values have surrounding spaces, then they are trimmed before parsing', () => {
    expect(loadConfig({ PORT: ' 3001 ', PORT_REGION: '\tus\n', LOG_LEVEL: ' debug ', HANDLERS_DIR: ' my-handlers ' })).toMatchObject({
      port: 3001,
      portApiUrl: 'https://api.us.port.io',
      logLevel: 'debug',
      handlersDir: 'my-handlers',
    });
    expect(loadConfig({ PORT_API_URL: '  http://127.0.0.1:9/  ' }).portApiUrl).toBe('http://127.0.0.1:9');
    expect(loadConfig({ PORT_CLIENT_ID: ' id ', PORT_CLIENT_SECRET: ' secret\n' }).portCredentials).toEqual({ clientId: 'id', clientSecret: 'secret' });
  });

  it('when every variable is blank or only spaces, then each takes its default', () => {
    const blank = Object.fromEntries(Object.keys(ENV_DEFAULTS).map((name, i) => [name, i % 2 ? '' : '   ']));
    expect(loadConfig(blank)).toEqual(loadConfig({}));
    expect(loadConfig({ PORT_CLIENT_ID: '  ', PORT_CLIENT_SECRET: '' }).portCredentials).toBeNull();
  });
});

describe('loadConfig journal retention', () => {
  it('when JOURNAL_RETENTION_DAYS and DEDUPE_TTL_HOURS are unset, then 7 days and 168 hours apply', () => {
    expect(loadConfig({})).toMatchObject({ journalRetentionDays: 7, dedupeTtlHours: 168 });
  });

  it('when they are set within range, then they are used (0 days drops payloads at the first sweep)', () => {
    expect(loadConfig({ JOURNAL_RETENTION_DAYS: '0', DEDUPE_TTL_HOURS: '1' })).toMatchObject({ journalRetentionDays: 0, dedupeTtlHours: 1 });
    expect(loadConfig({ JOURNAL_RETENTION_DAYS: '3650', DEDUPE_TTL_HOURS: '87600' })).toMatchObject({ journalRetentionDays: 3650, dedupeTtlHours: 87_600 });
  });

  it('when they are out of range or not whole numbers, then startup fails naming the variable', () => {
    for (const value of ['-1', '3651', '1.5', 'week']) expect(refusal({ JOURNAL_RETENTION_DAYS: value }).details).toEqual({ variable: 'JOURNAL_RETENTION_DAYS' });
    for (const value of ['0', '87601', '2h']) expect(refusal({ DEDUPE_TTL_HOURS: value }).details).toEqual({ variable: 'DEDUPE_TTL_HOURS' });
    expect(refusal({ DEDUPE_TTL_HOURS: '0' }).message).toBe('DEDUPE_TTL_HOURS is invalid: Too small: expected number to be >=1 (got "0")');
  });
});

describe('loadConfig action sync', () => {
  it('when SYNC_ACTIONS_ON_START=true with credentials but no PUBLIC_URL, then startup fails naming PUBLIC_URL', () => {
    expect(() => loadConfig({ PORT_CLIENT_ID: 'id', PORT_CLIENT_SECRET: 's', SYNC_ACTIONS_ON_START: 'true' })).toThrow(/^PUBLIC_URL is required with SYNC_ACTIONS_ON_START=true/);
  });

  it('when SYNC_ACTIONS_ON_START is not a boolean or PUBLIC_URL not a URL, then startup fails naming the variable', () => {
    expect(() => loadConfig({ SYNC_ACTIONS_ON_START: 'yes' })).toThrow(/^SYNC_ACTIONS_ON_START is invalid: must be true or false/);
    expect(() => loadConfig({ PUBLIC_URL: 'runner.example.com' })).toThrow(/^PUBLIC_URL is invalid/);
  });

  it('when PUBLIC_URL has a trailing slash, then it is dropped', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://runner.example.com/' }).publicUrl).toBe('https://runner.example.com');
    expect(loadConfig({}).publicUrl).toBeNull();
  });
});

describe('loadConfig store and roles', () => {
  it('when nothing is set, then the SQLite store and ROLE=all apply, with the Redis defaults ready', () => {
    expect(loadConfig({}).store).toEqual({
      kind: 'sqlite',
      role: 'all',
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'port-runner',
      stallIntervalMs: 30_000,
      lockDurationMs: 30_000,
      redisStartupTimeoutMs: 30_000,
    });
  });

  it('when RUN_STORE or ROLE is unknown, then startup fails naming the variable and the allowed values', () => {
    expect(() => loadConfig({ RUN_STORE: 'postgres' })).toThrow('RUN_STORE is invalid: must be one of: sqlite, redis (got "postgres")');
    expect(() => loadConfig({ RUN_STORE: 'redis', ROLE: 'api' })).toThrow('ROLE is invalid: must be one of: all, web, worker (got "api")');
  });

  it('when ROLE=web or worker runs on SQLite, then startup fails naming ROLE', () => {
    expect(() => loadConfig({ ROLE: 'worker' })).toThrow(expect.objectContaining({ code: 'config_invalid', details: { variable: 'ROLE' } }));
    expect(loadConfig({ RUN_STORE: 'redis', ROLE: 'worker' }).store.role).toBe('worker');
  });

  it('when REDIS_URL is not a Redis URL, then the error names it without echoing a possible password', () => {
    let message = '';
    try {
      loadConfig({ RUN_STORE: 'redis', REDIS_URL: 'http://user:hunter2secret@host' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^REDIS_URL is invalid/);
    expect(message).not.toContain('hunter2secret');
  });
});
