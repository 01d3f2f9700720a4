// `npm run trigger`: parse the arguments, pick the target (Port with credentials, else the local
// simulator of `npm start`, found through the same PORT / SIMULATOR_PORT / .env), follow the run, and
// answer with an exit code: 0 SUCCESS, 1 FAILURE, 2 usage error (nothing was run), 130 when the
// person stopped following (the run goes on).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { withEnvFile } from '../envFile.js';
import { createLogger } from '../logger.js';
import { PortClient } from '../port/client.js';
import { PortApiError } from '../port/errors.js';
import { parseTriggerArgs, USAGE, UsageError } from './args.js';
import { SetupError, triggerLocal } from './local.js';
import { TriggerOutput, type TriggerStreams } from './output.js';
import { triggerPort } from './port.js';

export interface TriggerIO extends TriggerStreams {
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** How often Port is asked about the run (Port mode). */
  pollMs?: number;
}

export const EXIT = { success: 0, failure: 1, usage: 2, interrupted: 130 } as const;

export async function runTrigger(argv: readonly string[], io: TriggerIO): Promise<number> {
  const out = new TriggerOutput(io);
  let args;
  let config;
  try {
    args = parseTriggerArgs(argv, (file) => readFileSync(path.resolve(io.cwd, file), 'utf8'));
    if (args.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.success;
    }
    config = loadConfig(withEnvFile(io.env, io.cwd));
  } catch (err) {
    out.note(`trigger: ${(err as Error).message}`);
    if (err instanceof UsageError) out.note(USAGE);
    return EXIT.usage;
  }

  let client: PortClient | null = null;
  try {
    let result: { runId: string; code: number } | null;
    if (config.portCredentials) {
      client = new PortClient({ baseUrl: config.portApiUrl, credentials: config.portCredentials, logger: createLogger({ level: 'error', json: false }), budgetMs: config.portCallBudgetMs });
      result = await triggerPort({ client, pollMs: io.pollMs }, args, out, io.signal);
    } else {
      result = await triggerLocal({ simulatorUrl: `http://127.0.0.1:${config.simulatorPort}`, serviceUrl: `http://127.0.0.1:${config.port}` }, args, out, io.signal);
    }
    if (!result) throw io.signal.reason;
    return result.code;
  } catch (err) {
    out.stop();
    if (io.signal.aborted) {
      out.note(`stopped following${out.runId ? ` run ${out.runId}` : ''}: the run goes on`);
      return EXIT.interrupted;
    }
    if (err instanceof UsageError || err instanceof SetupError) {
      out.note(`trigger: ${err.message}`);
      return EXIT.usage;
    }
    out.note(`trigger: ${err instanceof PortApiError ? `Port answered ${err.status || 'nothing'}: ${err.message}` : (err as Error).message}`);
    return EXIT.failure;
  } finally {
    out.stop();
    client?.close();
  }
}
