// At startup (SYNC_ACTIONS_ON_START=true, or always against the embedded simulator) the handlers'
// definitions are synced into Port. It only logs: a definition that cannot be produced, or Port being
// unreachable, never stops the service from running its handlers.
import type { Logger } from '../logger.js';
import type { LoadedHandler } from '../registry/loadHandlers.js';
import { collectDefinitions } from './collect.js';
import { webhookUrlFor } from './definition.js';
import { syncActions, describeResult, type PortActionsApi } from './sync.js';

export interface StartupSyncOptions {
  modules: readonly LoadedHandler[];
  port: PortActionsApi;
  /** PUBLIC_URL, or the local URL with the embedded simulator. */
  publicUrl: string;
  logger: Logger;
  /** Named in the log lines: "Port" or "the local simulator". */
  target: string;
}

/** Resolves when done; never rejects. */
export async function syncActionsAtStartup(opts: StartupSyncOptions): Promise<void> {
  const { logger } = opts;
  const webhookUrl = webhookUrlFor(opts.publicUrl);
  try {
    const { definitions, errors } = collectDefinitions(opts.modules, webhookUrl);
    for (const e of errors) logger.error(`action definition not synced: ${e.message}`);
    const result = await syncActions(opts.port, definitions, { webhookUrl, prune: false });
    for (const f of result.failed) logger.error(`could not ${f.operation} action ${f.identifier} in ${opts.target}: ${f.message}`);
    logger.info(`actions synced into ${opts.target}: ${describeResult(result)}`, { webhookUrl, created: result.created, updated: result.updated });
  } catch (err) {
    logger.error(`syncing the actions into ${opts.target} failed: ${err instanceof Error ? err.message : String(err)} (the handlers still run; retry with npm run actions -- sync)`);
  }
}
