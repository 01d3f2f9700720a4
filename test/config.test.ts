import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ENV_DEFAULTS, loadConfig } from '../src/config.js';

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
