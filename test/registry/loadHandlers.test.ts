import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Transport from 'winston-transport';
import { createLogger, silentLogger } from '../../src/logger.js';
import { loadHandlers } from '../../src/registry/loadHandlers.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const logger = silentLogger();

class Capture extends Transport {
  readonly lines: Array<{ level: string; message: string }> = [];
  override log(info: { level: string; message: string }, next: () => void) {
    this.lines.push({ level: info.level, message: info.message });
    next();
  }
}

describe('loadHandlers', () => {
  it('when the folder holds handler modules, then each is registered and helpers, specs, tests, .d.ts and docs are skipped', async () => {
    const registry = await loadHandlers(path.join(fixtures, 'good'), { logger });
    expect(registry.actions()).toEqual(['deploy', 'interop', 'scale_down', 'scale_up']);
    expect(registry.get('scale_up')).toBe(registry.get('scale_down'));
  });

  it('when a module exports the handler CJS-style (default.default), then it is accepted', async () => {
    const registry = await loadHandlers(path.join(fixtures, 'good'), { logger });
    expect(registry.resolve('interop', null)?.handler.actions).toEqual(['interop']);
  });

  it('when a module has no handler as its default export, then handler_load_failed names the file', async () => {
    await expect(loadHandlers(path.join(fixtures, 'missing-default'), { logger })).rejects.toMatchObject({
      code: 'handler_load_failed',
      message: expect.stringMatching(/named-only\.ts has no handler as its default export/),
    });
  });

  it('when a module throws at import, then handler_load_failed names the file and the error', async () => {
    await expect(loadHandlers(path.join(fixtures, 'throws'), { logger })).rejects.toMatchObject({
      code: 'handler_load_failed',
      message: expect.stringMatching(/boom\.ts: boom at import/),
    });
  });

  it('when a handler sets both resumable and retryOnRestart, then startup fails naming the file', async () => {
    await expect(loadHandlers(path.join(fixtures, 'resumable-retry'), { logger })).rejects.toMatchObject({
      code: 'handler_load_failed',
      message: expect.stringMatching(/both\.ts: defineHandler: "resumable" and "retryOnRestart" cannot both be set/),
    });
  });

  it('when a module has a syntax error, then handler_load_failed names the file', async () => {
    await expect(loadHandlers(path.join(fixtures, 'syntax'), { logger })).rejects.toMatchObject({
      code: 'handler_load_failed',
      message: expect.stringContaining('broken.mjs'),
    });
  });

  it('when two modules declare one action, then handler_load_failed names both files and the action', async () => {
    const err = (await loadHandlers(path.join(fixtures, 'duplicate'), { logger }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(err).toMatchObject({ code: 'handler_load_failed', message: expect.stringContaining("action 'deploy'") });
    expect(err.message).toContain('one.ts');
    expect(err.message).toContain('two.ts');
  });

  it('when a compiled module sits beside its source, then only the compiled one is loaded', async () => {
    const registry = await loadHandlers(path.join(fixtures, 'compiled'), { logger });
    expect(registry.actions()).toEqual(['built']);
    await expect(registry.get('built')!.run({} as never)).resolves.toBe('compiled');
  });

  it('when the folder does not exist, then handler_load_failed names it and HANDLERS_DIR', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-handlers-dir-4f1c');
    await expect(loadHandlers(missing, { logger })).rejects.toMatchObject({
      code: 'handler_load_failed',
      message: expect.stringMatching(/handlers directory not found: .*no-such-handlers-dir-4f1c.*HANDLERS_DIR/),
    });
  });

  it('when the folder is empty, then the registry is empty and a warning says so', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'handlers-empty-'));
    const capture = new Capture();
    const registry = await loadHandlers(dir, { logger: createLogger({ transports: [capture] }) });
    expect(registry.actions()).toEqual([]);
    expect(capture.lines).toContainEqual({ level: 'warn', message: expect.stringContaining(`no handler modules in ${dir}`) });
  });
});
