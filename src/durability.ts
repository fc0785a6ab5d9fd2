/**
 * How the embedded servers `npm start` runs (PostgreSQL, and the Temporal dev server's SQLite file) write to disk.
 *
 * - `safe` (the default): a power cut or kernel crash loses no acknowledged request and corrupts nothing.
 *   PostgreSQL keeps its defaults (fsync, synchronous_commit, full_page_writes). SQLite runs in WAL with
 *   `synchronous=NORMAL`: a crash cannot corrupt it, but may roll back its last transactions; every request bookbell
 *   acknowledged is in PostgreSQL's intake log as well, and the book's reconciliation signals it again.
 * - `fast-unsafe`: no fsync anywhere, for data that may be thrown away (the test suite, a benchmark that says so). A
 *   crash can corrupt both stores.
 */
export const DURABILITIES = ['safe', 'fast-unsafe'] as const;
export type Durability = (typeof DURABILITIES)[number];

/** PostgreSQL settings (`-c name=value`) for `durability`. */
export function postgresDurabilityFlags(durability: Durability): string[] {
  // fsync alone: with synchronous_commit off too, hint bits wait for the WAL writer, so a VACUUM run at once leaves
  // pages not all-visible and plans change (test/integration/list-plans.test.ts saw sequential scans).
  return durability === 'safe' ? [] : ['-c', 'fsync=off'];
}

/** The dev server's SQLite pragmas for `durability` (always WAL: readers never wait for the writer). */
export function sqliteDurabilityPragmas(durability: Durability): string[] {
  const synchronous = durability === 'safe' ? 'NORMAL' : 'OFF';
  return ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', `synchronous=${synchronous}`];
}
