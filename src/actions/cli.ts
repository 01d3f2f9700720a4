// `npm run actions -- export [dir] | diff | sync [--prune]`: the handlers' Port definitions written to
// files, compared with Port, or applied to Port. Exit codes: 0 done / no drift, 1 drift (diff) or some
// definitions or requests failed, 2 usage or configuration error.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { silentLogger } from '../logger.js';
import type { PortActionDefinition } from '../port/actionTypes.js';
import { PortClient } from '../port/client.js';
import { resolveHandlersDir } from '../registry/handlerSource.js';
import { loadHandlers } from '../registry/loadHandlers.js';
import { collectDefinitions } from './collect.js';
import { webhookUrlFor } from './definition.js';
import { describePlan, planChanges } from './drift.js';
import { applyPlan, describeResult, readPlan, type PortActionsApi } from './sync.js';

export const DEFAULT_EXPORT_DIR = 'port-actions';

const USAGE = `usage: npm run actions -- export [dir] | diff [--prune] | sync [--prune]
  export [dir]   write one Port action JSON per handler definition (default dir: ${DEFAULT_EXPORT_DIR}/)
  diff           compare with Port's actions: exit 0 when equal, 1 when something differs
  sync           create missing and update changed actions in Port; --prune also deletes actions
                 that call this service's webhook but have no handler
Needs PUBLIC_URL (the webhook URL the actions call) and, for diff and sync, PORT_CLIENT_ID/PORT_CLIENT_SECRET.`;

export interface CliIo {
  env?: Record<string, string | undefined>;
  cwd?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Replaces the Port client (tests). */
  port?: PortActionsApi;
}

class UsageError extends Error {}

export async function runActionsCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = io.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const cwd = io.cwd ?? process.cwd();
  try {
    const [command, ...rest] = argv;
    const prune = rest.includes('--prune');
    const args = rest.filter((a) => a !== '--prune');
    if (command !== 'export' && command !== 'diff' && command !== 'sync') throw new UsageError(command ? `unknown command "${command}"` : 'no command');
    if (command === 'export' && (prune || args.length > 1)) throw new UsageError('export takes one optional directory');
    if (command !== 'export' && args.length > 0) throw new UsageError(`${command} takes no arguments besides --prune`);
    const unknownFlag = args.find((a) => a.startsWith('-'));
    if (unknownFlag) throw new UsageError(`unknown option ${unknownFlag}`);

    const config = loadConfig(io.env ?? process.env);
    if (!config.publicUrl) throw new UsageError('PUBLIC_URL is not set: the base URL Port calls this service at (e.g. https://runner.example.com)');
    const webhookUrl = webhookUrlFor(config.publicUrl);
    const registry = await loadHandlers(resolveHandlersDir(config.handlersDir, cwd), { logger: silentLogger() });
    const { definitions, errors } = collectDefinitions(registry.modules, webhookUrl, cwd);
    for (const e of errors) err(`error: ${e.message}`);

    if (command === 'export') return exportTo(path.resolve(cwd, args[0] ?? DEFAULT_EXPORT_DIR), definitions, errors.length, out);
    if (errors.length) {
      err(`${command}: ${errors.length} handler definition${errors.length === 1 ? '' : 's'} cannot be produced; fix ${errors.length === 1 ? 'it' : 'them'} first`);
      return command === 'diff' ? 2 : 1;
    }
    const port = io.port ?? portClientFor(config);
    try {
      const plan = await readPlan(port, definitions, { webhookUrl, prune });
      if (command === 'diff') {
        for (const line of describePlan(plan)) out(line);
        const differs = planChanges(plan);
        out(differs ? 'diff: Port differs from the handlers (npm run actions -- sync applies them)' : `diff: no difference (${plan.unchanged.length} up to date)`);
        return differs ? 1 : 0;
      }
      const result = await applyPlan(port, plan);
      for (const id of result.created) out(`created ${id}`);
      for (const { definition, changes } of plan.update) if (result.updated.includes(definition.identifier)) out(`updated ${definition.identifier} (${changes.map((c) => c.field).join(', ')})`);
      for (const id of result.deleted) out(`deleted ${id}`);
      for (const f of result.failed) err(`error: could not ${f.operation} ${f.identifier}: ${f.message}`);
      if (!prune) for (const line of describePlan({ ...plan, create: [], update: [] })) out(line);
      out(`sync: ${describeResult(result)}`);
      return result.failed.length ? 1 : 0;
    } finally {
      if (port instanceof PortClient) port.close();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`actions: ${e.message}`);
      err(USAGE);
      return 2;
    }
    // Config, handler loading, Port unreachable: the message says what to fix.
    err(`actions: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

function exportTo(dir: string, definitions: readonly PortActionDefinition[], failed: number, out: (l: string) => void): number {
  mkdirSync(dir, { recursive: true });
  for (const def of definitions) {
    const file = path.join(dir, `${def.identifier}.json`);
    writeFileSync(file, `${JSON.stringify(def, null, 2)}\n`);
    out(`wrote ${file}`);
  }
  out(`export: ${definitions.length} definition${definitions.length === 1 ? '' : 's'} written${failed ? `, ${failed} handler${failed === 1 ? '' : 's'} failed` : ''}`);
  return failed ? 1 : 0;
}

function portClientFor(config: Config): PortClient {
  if (!config.portCredentials) throw new UsageError('Port credentials are not set: diff and sync read Port with PORT_CLIENT_ID and PORT_CLIENT_SECRET');
  return new PortClient({ baseUrl: config.portApiUrl, credentials: config.portCredentials, logger: silentLogger(), budgetMs: config.portCallBudgetMs });
}
