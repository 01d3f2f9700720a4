// The journals the runtime suites run on. Each suite runs once per entry (describe.each), so another
// RunStore implementation is tested by the same suites by adding it here.
import type { RunStore } from '../../src/journal/store.js';
import { openSqliteStore } from '../../src/journal/sqliteStore.js';

export interface TestStore {
  name: string;
  /** A new, empty journal. */
  open(): RunStore;
}

export const TEST_STORES: TestStore[] = [{ name: 'SQLite (in memory)', open: () => openSqliteStore({ path: ':memory:' }) }];
