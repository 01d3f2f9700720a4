// Loads every handler module of HANDLERS_DIR at startup. Anything wrong (a broken import, no handler as
// the default export, two handlers for one action) stops startup with a message naming the file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isHandler, type Handler } from './defineHandler.js';
import { createRegistry, type Registry } from './registry.js';

const LOADABLE = /\.(m?js|ts)$/;
const SKIPPED = /(\.d\.ts|\.d\.mts|\.(test|spec)\.[cm]?[jt]s)$/;

/** Handler module files of `dir` (top level), sorted; a compiled `x.js` wins over its source `x.ts`. */
export function handlerFiles(dir: string): string[] {
  const names = readdirSync(dir).filter((name) => {
    if (name.startsWith('_') || name.startsWith('.') || !LOADABLE.test(name) || SKIPPED.test(name)) return false;
    return statSync(path.join(dir, name)).isFile();
  });
  const present = new Set(names);
  return names
    .filter((name) => !(name.endsWith('.ts') && (present.has(name.replace(/\.ts$/, '.js')) || present.has(name.replace(/\.ts$/, '.mjs')))))
    .sort()
    .map((name) => path.join(dir, name));
}

/** The handler a module exports as default, accepting CJS interop (`module.exports.default`). */
function defaultHandler(mod: Record<string, unknown>): Handler | null {
  const candidate = mod.default;
  if (isHandler(candidate)) return candidate;
  const nested = (candidate as Record<string, unknown> | undefined)?.default;
  return isHandler(nested) ? nested : null;
}

/** A handler and the file it came from (errors and `actions export` name the file). */
export interface LoadedHandler {
  file: string;
  handler: Handler;
}

/** The registry, plus each handler with its file. */
export interface LoadedRegistry extends Registry {
  readonly modules: readonly LoadedHandler[];
}

export async function loadHandlers(dir: string, opts: { logger: Logger }): Promise<LoadedRegistry> {
  const absolute = path.resolve(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new CodedError(
      'handler_load_failed',
      `handlers directory not found: ${absolute} (set HANDLERS_DIR to the folder holding your handler modules)`,
      { dir: absolute },
    );
  }
  const modules: LoadedHandler[] = [];
  const fileOf = new Map<string, string>();
  for (const file of handlerFiles(absolute)) {
    const name = path.relative(process.cwd(), file) || file;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new CodedError('handler_load_failed', `cannot load handler ${name}: ${reason} (fix the module or move it out of ${dir})`, {
        file,
      }, { cause: err });
    }
    const handler = defaultHandler(mod);
    if (!handler) {
      throw new CodedError(
        'handler_load_failed',
        `${name} has no handler as its default export: write \`export default defineHandler({ action, run })\` (or name helper modules with a leading '_')`,
        { file },
      );
    }
    for (const action of handler.actions) {
      const other = fileOf.get(action);
      if (other) {
        throw new CodedError(
          'handler_load_failed',
          `two handlers for action '${action}': ${path.relative(process.cwd(), other) || other} and ${name} (keep one, or give them different action ids)`,
          { action, files: [other, file] },
        );
      }
      fileOf.set(action, file);
    }
    modules.push({ file, handler });
  }
  if (modules.length === 0) opts.logger.warn(`no handler modules in ${absolute}: every run will end FAILURE "no handler for action"`);
  const registry = createRegistry(modules.map((m) => m.handler));
  opts.logger.info('handlers loaded', { dir: absolute, actions: registry.actions() });
  return Object.assign(registry, { modules: Object.freeze(modules) });
}
