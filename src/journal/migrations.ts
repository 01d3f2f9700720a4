// The journal's schema and how an existing file is brought up to it. Each migration runs once, in its own
// transaction, and records the version it reached in meta.schema_version; a file written by a newer
// version of the service is refused rather than guessed at.
import type Database from 'better-sqlite3';

/** Version 1: the first released layout. Later versions only ever add to it through MIGRATIONS. */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  action TEXT,
  invocation TEXT NOT NULL,
  synchronized INTEGER NOT NULL,
  state TEXT NOT NULL,
  accepted_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  final_status TEXT,
  final_label TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_state ON runs (state, accepted_at);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  op TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_by_state ON outbox (state, run_id, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

interface Migration {
  version: number;
  up(db: Database.Database): void;
}

const MIGRATIONS: Migration[] = [
  {
    // A synchronized run's result (answered again to a redelivery); when its payload was dropped; finished
    // runs by time (retention).
    version: 2,
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN result TEXT;
        ALTER TABLE runs ADD COLUMN compacted_at INTEGER;
        CREATE INDEX IF NOT EXISTS runs_by_finish ON runs (state, finished_at);
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export interface MigrationResult {
  from: number;
  to: number;
  /** The file was rewritten once so freed pages can be given back incrementally. */
  vacuumed: boolean;
}

function versionOf(db: Database.Database): number {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
  if (!hasMeta) return 0;
  const row = db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`).get();
  return row ? Number(row.value) : 1;
}

/** Creates or upgrades the schema. Throws on a file from a newer version. */
export function migrate(db: Database.Database): MigrationResult {
  const fresh = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'`).get() === undefined;
  let vacuumed = false;
  // auto_vacuum takes effect only through a rewrite of the file (instant while it is empty; once for an
  // existing journal, which is then migrated).
  if (Number(db.pragma('auto_vacuum', { simple: true })) !== 2) {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec('VACUUM');
    vacuumed = !fresh;
  }
  const from = fresh ? 0 : versionOf(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(`the journal was written by a newer version of the service (schema ${from}, this one knows up to ${SCHEMA_VERSION})`);
  }
  db.exec(SCHEMA_V1); // IF NOT EXISTS throughout: a no-op on any existing file
  const setVersion = db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  if (from === 0) setVersion.run('1');
  for (const m of MIGRATIONS) {
    if (m.version <= Math.max(from, 1)) continue;
    db.transaction(() => {
      m.up(db);
      setVersion.run(String(m.version));
    })();
  }
  return { from, to: SCHEMA_VERSION, vacuumed };
}
