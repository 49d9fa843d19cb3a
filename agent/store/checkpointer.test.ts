import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkpointInBackground } from './checkpointer';
import { openDatabase, type Database } from './sqlite';

let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-checkpoint-'));
  db = openDatabase({ path: join(dir, 'test.db'), migrations: [{ version: 1, name: 'test table', up: (d) => { d.exec('CREATE TABLE t (x BLOB)'); } }] });
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Commits about 4 MiB, 64 KiB a transaction: far past the 1,000 pages at which SQLite would checkpoint inline. */
function writeMegabytes(): void {
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  for (let i = 0; i < 64; i++) insert.run(Buffer.alloc(64 * 1024, i));
}

describe('checkpointInBackground', () => {
  it('copies committed pages into the database file from its own thread, the writer never checkpointing', async () => {
    const file = join(dir, 'test.db');
    const checkpointer = checkpointInBackground(db, { intervalMs: 20 });
    const before = statSync(file).size;
    writeMegabytes();
    // Only a checkpoint moves pages from the WAL into the file: this one can come from the thread alone.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 4 * 1024 * 1024), { timeout: 10_000, interval: 20 });
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('without it, a writer with automatic checkpoints off leaves the pages in the WAL (the test above can fail)', async () => {
    const file = join(dir, 'test.db');
    db.pragma('wal_autocheckpoint = 0');
    const before = statSync(file).size;
    writeMegabytes();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(statSync(file).size).toBe(before);
  });
});
