import { afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveHandlersDir } from '../../src/registry/handlerSource.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('resolveHandlersDir', () => {
  it('when running from TypeScript sources (jest), then the handlers directory itself is used', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'handlers-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'a.ts'), 'export default 1;');
    expect(resolveHandlersDir(dir)).toBe(dir);
  });

  it('when HANDLERS_DIR does not exist, then startup fails naming it', () => {
    expect(() => resolveHandlersDir('no/such/dir', os.tmpdir())).toThrow(expect.objectContaining({ code: 'handler_load_failed', message: expect.stringMatching(/HANDLERS_DIR "no\/such\/dir"/) }));
  });

  it('when HANDLERS_DIR is a file, then startup fails naming it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'handlers-'));
    dirs.push(dir);
    const file = path.join(dir, 'f');
    writeFileSync(file, '');
    mkdirSync(path.join(dir, 'sub'));
    expect(() => resolveHandlersDir(file)).toThrow(/is not a directory/);
  });
});

describe('resolveHandlersDir in the built service (dist/)', () => {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const run = (dir: string) => {
    const script = `const m = await import('${root}/dist/src/registry/handlerSource.js');
      try { console.log(m.resolveHandlersDir(${JSON.stringify(dir)}, ${JSON.stringify(root)})); } catch (e) { console.log('ERR ' + e.message); }`;
    return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).stdout.trim();
  };

  it('when the handlers are compiled, then their dist/ twin is used', () => {
    expect(run('handlers')).toBe(path.join(root, 'dist/handlers'));
  });

  it('when a TypeScript handler has no compiled twin (a stale build), then startup refuses to serve it', () => {
    const dir = mkdtempSync(path.join(root, '.tmp-handlers-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'fresh.ts'), 'export default 1;');
    expect(run(path.basename(dir))).toMatch(/^ERR handler .*fresh\.ts has no up-to-date build .*run "npm run build"/);
  });

  it('when TypeScript handlers live outside the project, then startup explains that they are not compiled', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outside-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'x.ts'), 'export default 1;');
    expect(run(dir)).toMatch(/^ERR .*outside the project/);
  });
});
