// Process entry (`npm start`, the container's CMD): config, start, and signals. Everything else is in server.ts.
import { loadConfig } from './config.js';
import { withEnvFile } from './envFile.js';
import { isCodedError, publicMessage } from './errors.js';
import { startService, type Service } from './server.js';

const REPEAT_WINDOW_MS = 1000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(withEnvFile(process.env));
  } catch (err) {
    // A misconfiguration: one clear line naming the variable, no stack, and no crash loop of traces.
    console.error(`port-action-runner: configuration error: ${(err as Error).message}`);
    process.exit(78);
  }

  let service: Service | undefined;
  // Handler code runs in this process: a promise it forgot to await, or a throw inside its own timer,
  // must not take every other run down with it. Logged loudly; the run it belonged to is still finalized
  // by its deadline (or its own outcome), and the service keeps serving.
  const stray = (kind: string) => (err: unknown) => {
    const message = `${kind} (handler code that did not await or catch, or a fault of the service): ${publicMessage(err)}`;
    if (service) service.logger.error(message, { stack: err instanceof Error ? err.stack : undefined });
    else console.error(`port-action-runner: ${message}`);
  };
  process.on('unhandledRejection', stray('unhandled promise rejection'));
  process.on('uncaughtException', stray('uncaught exception'));

  // npm forwards a signal its process group also received, so one signal may arrive twice within a
  // moment: only a signal well after the first one is "the second signal", which exits at once.
  let firstSignalAt = 0;
  const shutDown = (svc: Service) =>
    svc.stop().then(
      () => process.exit(0),
      (err) => {
        svc.logger.error('shutdown failed', { error: (err as Error).message });
        process.exit(1);
      },
    );
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      if (!service) return; // still starting: shut down as soon as it is up
      service.logger.info(`${signal} received: shutting down gracefully (send it again to exit at once)`);
      void shutDown(service);
    } else if (now - firstSignalAt > REPEAT_WINDOW_MS) {
      service?.logger.warn(`${signal} received again: exiting now; the next start recovers from the journal`);
      service?.abortNow();
      process.exit(130);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    service = await startService({ config });
  } catch (err) {
    const message = isCodedError(err) ? err.message : (err as Error)?.stack ?? String(err);
    console.error(`port-action-runner: cannot start: ${message}`);
    process.exit(isCodedError(err) ? 78 : 1);
  }
  const running = service;
  if (firstSignalAt !== 0) {
    running.logger.info('a signal arrived during startup: shutting down gracefully');
    void shutDown(running);
  }

  // Under `npm start`, a SIGKILL of npm would orphan this process and keep the port and journal busy:
  // when the parent disappears, exit as if killed with it (the next start recovers from the journal).
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) {
        running.logger.warn('the parent npm process is gone: exiting; the next start recovers from the journal');
        running.abortNow();
        process.exit(137);
      }
    }, 500).unref();
  }
}

void main();
