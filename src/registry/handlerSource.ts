// Where handler modules are imported from. Under a TypeScript-aware runner (jest) the .ts files load as
// they are. The built service runs from dist/, so a handlers/*.ts file is imported from its compiled twin
// in dist/ — and a missing or older twin is a stale build, refused at startup rather than served.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodedError } from '../errors.js';
import { handlerFiles } from './loadHandlers.js';

/** The project root when running from dist/src/registry (compiled), else null. */
function compiledProjectRoot(): string | null {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.js')) return null;
  const marker = `${path.sep}dist${path.sep}src${path.sep}`;
  const at = here.lastIndexOf(marker);
  return at === -1 ? null : here.slice(0, at);
}

const SOURCE = /\.ts$/;

/**
 * Resolves HANDLERS_DIR (relative to the working directory) to the directory to import from, checking
 * that every TypeScript handler has an up-to-date compiled module when running the built service.
 */
export function resolveHandlersDir(handlersDir: string, cwd = process.cwd()): string {
  const dir = path.resolve(cwd, handlersDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CodedError('handler_load_failed', `HANDLERS_DIR "${handlersDir}" is not a directory (resolved to ${dir})`);
  }
  const root = compiledProjectRoot();
  const sources = handlerFiles(dir)
    .map((file) => path.basename(file))
    .filter((name) => SOURCE.test(name));
  if (root === null || sources.length === 0) return dir;

  const rel = path.relative(root, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new CodedError(
      'handler_load_failed',
      `HANDLERS_DIR "${handlersDir}" holds TypeScript files (${sources[0]}) outside the project, which the build does not compile: move them under the project or compile them to .js`,
    );
  }
  const compiledDir = path.join(root, 'dist', rel);
  for (const source of sources) {
    const compiled = path.join(compiledDir, source.replace(SOURCE, '.js'));
    if (!existsSync(compiled) || statSync(compiled).mtimeMs + 1000 < statSync(path.join(dir, source)).mtimeMs) {
      throw new CodedError(
        'handler_load_failed',
        `handler ${path.join(handlersDir, source)} has no up-to-date build in ${path.relative(cwd, compiledDir) || compiledDir}: run "npm run build" (npm start does it for you)`,
      );
    }
  }
  return compiledDir;
}
