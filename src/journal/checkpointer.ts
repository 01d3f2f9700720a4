// WAL checkpoints on a worker thread. A checkpoint copies the write-ahead log back into the database file
// and syncs both (the only fsyncs of the journal, at synchronous=NORMAL); run by the connection that commits,
// it stalls the event loop for tens of milliseconds every few thousand deliveries, and every ack waiting in
// that turn waits with it. Here a second connection, on its own thread, checkpoints in PASSIVE mode (never
// blocking the writer) every `intervalMs`; the main connection keeps a far-off automatic checkpoint as a
// backstop, and gets its usual one back if the worker fails or stops.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';

/** The main connection's own checkpoint threshold (pages of WAL) with no worker: what the journal opens with. */
export const INLINE_CHECKPOINT_PAGES = 10_000;
/** With the worker: only a WAL the worker cannot keep up with (~400 MB) is checkpointed by the writer. */
const BACKSTOP_CHECKPOINT_PAGES = 100_000;

// Plain CommonJS for an eval worker: it runs outside the build (and outside the test transform).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
let lastError = null;
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    lastError = null;
  } catch (err) {
    const message = err && err.message ? err.message : String(err);
    if (message !== lastError) parentPort.postMessage({ error: message });
    lastError = message;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Checkpoints once more, closes the worker's connection and gives the main connection its own checkpoints back. */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  database: Database.Database;
  /** The journal file (the worker opens its own connection to it). */
  file: string;
  logger: Logger;
  intervalMs?: number;
}

export function startCheckpointer(opts: CheckpointerOptions): Checkpointer {
  const { database, file, logger } = opts;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs: opts.intervalMs ?? 500 } });
  // A checkpoint owed at shutdown must not keep the process alive by itself.
  worker.unref();
  database.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  let running = true;
  const inline = () => {
    running = false;
    if (database.open) database.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
  };
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (msg: { error?: string }) => {
    if (msg.error) logger.warn(`background journal checkpoint failed: ${msg.error}`, { file });
  });
  worker.on('error', (err) => {
    logger.warn(`the journal checkpoint worker stopped: ${err.message}; the journal checkpoints itself again`, { file });
    inline();
  });
  void exited.then(() => {
    if (running) inline();
  });

  return {
    async stop() {
      if (running) {
        running = false;
        worker.ref(); // its last checkpoint and close finish before the process may exit
        worker.postMessage('stop');
        await exited;
      }
      inline();
    },
  };
}
