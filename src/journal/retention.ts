// Keeps the journal from only growing. After JOURNAL_RETENTION_DAYS a finished run keeps only what dedupe
// and a synchronized redelivery's answer need (its payload, inputs, encrypted secrets and result go, with
// its delivered reports); after DEDUPE_TTL_HOURS it is forgotten. Freed pages go back to the file system
// a bounded number at a time, so a sweep never stalls deliveries.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { SqliteRunStore } from './sqliteStore.js';

export type RetentionStore = Pick<SqliteRunStore, 'pruneDelivered' | 'compactFinished' | 'expireFinished' | 'reclaim' | 'size'>;

export interface RetentionOptions {
  store: RetentionStore;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'journalBytes'>;
  retentionDays: number;
  dedupeTtlHours: number;
  /**
   * How long a signed delivery passes the timestamp guard (WEBHOOK_TOLERANCE_SECONDS). A run is never
   * forgotten sooner: a captured delivery replayed after its run was forgotten would run again.
   */
  replayWindowSeconds?: number;
  /** Pages given back per sweep (4 KiB each by default). */
  reclaimPages?: number;
}

export interface SweepCounts {
  prunedOps: number;
  compacted: number;
  expired: number;
  bytes: number;
}

const DAY_MS = 24 * 3600_000;

export function sweepJournal(opts: RetentionOptions): SweepCounts {
  const { store, clock } = opts;
  const now = clock.now();
  const payloadBefore = now - opts.retentionDays * DAY_MS;
  const prunedOps = store.pruneDelivered(payloadBefore);
  const compacted = store.compactFinished(payloadBefore, now);
  const expired = store.expireFinished(now - Math.max(opts.dedupeTtlHours * 3600_000, (opts.replayWindowSeconds ?? 0) * 1000));
  store.reclaim(opts.reclaimPages ?? 2000);
  const size = reportSize(opts);
  if (prunedOps + compacted + expired > 0) opts.logger.info('journal retention sweep', { prunedOps, compacted, expired, bytes: size.bytes });
  return { prunedOps, compacted, expired, bytes: size.bytes };
}

export function reportSize(opts: Pick<RetentionOptions, 'store' | 'metrics'>): { bytes: number; freeBytes: number } {
  const size = opts.store.size();
  opts.metrics?.journalBytes.set({ kind: 'total' }, size.bytes);
  opts.metrics?.journalBytes.set({ kind: 'free' }, size.freeBytes);
  return size;
}

/** Sweeps now and then every `intervalMs`; errors are logged, never thrown. */
export function startRetention(opts: RetentionOptions & { intervalMs?: number }): { stop(): void } {
  const sweep = () => {
    try {
      sweepJournal(opts);
    } catch (err) {
      opts.logger.error('journal retention sweep failed', { error: err instanceof Error ? err.message : String(err) });
    }
  };
  sweep();
  const timer = setInterval(sweep, opts.intervalMs ?? 3600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
