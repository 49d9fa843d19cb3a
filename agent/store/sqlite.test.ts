import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, StoreError, type Database, type Migration } from './sqlite';

let dir: string;
let dbPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-sqlite-'));
  dbPath = join(dir, 'data', 'test.db');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

// Each migration records itself, so tests can see which ones ran and in what order.
function step(version: number, sql = ''): Migration {
  return {
    version,
    name: `step ${version}`,
    up(db) {
      if (version === 1) db.exec('CREATE TABLE applied (version INTEGER NOT NULL, at INTEGER NOT NULL)');
      db.prepare('INSERT INTO applied (version, at) VALUES (?, (SELECT count(*) FROM applied))').run(version);
      if (sql) db.exec(sql);
    },
  };
}

const steps = (count: number) => Array.from({ length: count }, (_, i) => step(i + 1));

function applied(db: Database): number[] {
  return db.prepare('SELECT version FROM applied ORDER BY at').pluck().all() as number[];
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function hash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function createAt(path: string, migrations: readonly Migration[], rows = 0): void {
  const db = openDatabase({ path, migrations });
  db.exec('CREATE TABLE IF NOT EXISTS filler (text TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO filler (text) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`row ${i} `.padEnd(200, 'x'));
  })();
  db.close();
}

function refusal(open: () => unknown): StoreError {
  try {
    const db = open() as Database;
    db.close();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected the database to be refused');
}

function expectNoSidecars(path: string): void {
  expect(existsSync(`${path}-wal`)).toBe(false);
  expect(existsSync(`${path}-shm`)).toBe(false);
}

describe('openDatabase', () => {
  it('creates the file and a private parent folder, with the agreed pragmas', () => {
    const db = openDatabase({ path: dbPath, migrations: [] });
    try {
      expect(existsSync(dbPath)).toBe(true);
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(userVersion(db)).toBe(0);
    } finally {
      db.close();
    }
  });

  it('applies migrations in order once, and reopening changes nothing', () => {
    const first = openDatabase({ path: dbPath, migrations: steps(3) });
    expect(applied(first)).toEqual([1, 2, 3]);
    expect(userVersion(first)).toBe(3);
    first.close();

    const again = openDatabase({ path: dbPath, migrations: steps(3) });
    expect(applied(again)).toEqual([1, 2, 3]);
    expect(userVersion(again)).toBe(3);
    again.close();
    expect(existsSync(`${dbPath}.pre-v3.bak`)).toBe(false);
  });

  it('applies only the pending migrations and keeps a copy from before the upgrade', () => {
    createAt(dbPath, steps(2), 10);
    // A stale backup for the same version is replaced, not kept beside the new one.
    writeFileSync(`${dbPath}.pre-v4.bak`, 'old backup');

    const db = openDatabase({ path: dbPath, migrations: steps(4) });
    expect(applied(db)).toEqual([1, 2, 3, 4]);
    expect(userVersion(db)).toBe(4);
    db.close();

    const backup = new BetterSqlite3(`${dbPath}.pre-v4.bak`, { readonly: true, fileMustExist: true });
    try {
      expect(userVersion(backup)).toBe(2);
      expect(backup.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(10);
    } finally {
      backup.close();
    }
    expect(existsSync(`${dbPath}.pre-v4.bak.partial`)).toBe(false);
  });

  it('treats an existing empty file as a new database', () => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(dbPath, '');
    const db = openDatabase({ path: dbPath, migrations: steps(1) });
    expect(applied(db)).toEqual([1]);
    db.close();
  });

  it('rejects a migration list that is not numbered 1..N', () => {
    expect(() => openDatabase({ path: dbPath, migrations: [step(1), step(3)] })).toThrow(/numbered 1\.\.N/);
    expect(() => openDatabase({ path: dbPath, migrations: [step(2)] })).toThrow(/"step 2" has version 2 at position 1/);
    expect(existsSync(dbPath)).toBe(false);
  });

  it('refuses a database from a newer version without writing to it', () => {
    createAt(dbPath, steps(3), 5);
    const before = hash(dbPath);

    const error = refusal(() => openDatabase({ path: dbPath, migrations: steps(2), product: 'Lifeline agent' }));
    expect(error.code).toBe('TOO_NEW');
    expect(error.path).toBe(dbPath);
    expect(error.message).toContain(`${dbPath} was written by a newer version of Lifeline agent (schema 3; this version knows up to 2)`);
    expect(error.message).toContain('Upgrade Lifeline agent, or set LIFELINE_HOME to another folder');
    expect(hash(dbPath)).toBe(before);
    expectNoSidecars(dbPath);
    expect(existsSync(`${dbPath}.pre-v2.bak`)).toBe(false);
  });

  it('refuses a file that is not SQLite at all, and leaves it as it was', () => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(dbPath, 'servers:\n  - web-1\n'.repeat(300));
    const before = hash(dbPath);

    const error = refusal(() => openDatabase({ path: dbPath, migrations: steps(1) }));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain(`${dbPath} is not a Lifeline database (it may be damaged). Lifeline left it untouched.`);
    expect(error.message).toContain(`mv '${dbPath}' '${dbPath}.broken'`);
    expect(hash(dbPath)).toBe(before);
    expectNoSidecars(dbPath);
  });

  it('refuses a file shorter than the SQLite header', () => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(dbPath, 'SQLite');
    expect(refusal(() => openDatabase({ path: dbPath, migrations: [] })).code).toBe('CORRUPT');
    expect(readFileSync(dbPath, 'utf8')).toBe('SQLite');
    expectNoSidecars(dbPath);
  });

  it('refuses a truncated SQLite file and leaves it as it was', () => {
    createAt(dbPath, steps(1), 500);
    truncateSync(dbPath, 8192);
    const before = hash(dbPath);

    const error = refusal(() => openDatabase({ path: dbPath, migrations: steps(1) }));
    expect(error.code).toBe('CORRUPT');
    expect(hash(dbPath)).toBe(before);
    expectNoSidecars(dbPath);
  });

  it('refuses a SQLite file whose schema page is garbled and leaves it as it was', () => {
    createAt(dbPath, steps(1), 50);
    overwrite(dbPath, 100, Buffer.alloc(2000, 0x5a));
    const before = hash(dbPath);

    const error = refusal(() => openDatabase({ path: dbPath, migrations: steps(1) }));
    expect(error.code).toBe('CORRUPT');
    expect(hash(dbPath)).toBe(before);
    expectNoSidecars(dbPath);
  });

  it('finds damage in a data page while backing up before an upgrade, and upgrades nothing', () => {
    createAt(dbPath, steps(1), 500);
    const size = statSync(dbPath).size;
    overwrite(dbPath, size - 4096, Buffer.alloc(4096, 0xff));
    const before = hash(dbPath);

    const error = refusal(() => openDatabase({ path: dbPath, migrations: steps(2) }));
    expect(error.code).toBe('CORRUPT');
    expect(hash(dbPath)).toBe(before);
    expectNoSidecars(dbPath);
    expect(existsSync(`${dbPath}.pre-v2.bak`)).toBe(false);
    expect(existsSync(`${dbPath}.pre-v2.bak.partial`)).toBe(false);
  });

  it('refuses a folder in place of the file as UNREADABLE', () => {
    mkdirSync(dbPath, { recursive: true });
    const error = refusal(() => openDatabase({ path: dbPath, migrations: [] }));
    expect(error.code).toBe('UNREADABLE');
    expect(error.message).toContain('it is a folder, not a file');
    expect(error.message).toContain(`ls -l '${dbPath}'`);
    expectNoSidecars(dbPath);
  });

  it('refuses a path below a file as UNREADABLE', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    const error = refusal(() => openDatabase({ path: join(dir, 'plain', 'test.db'), migrations: [] }));
    expect(error.code).toBe('UNREADABLE');
    expect(error.message).toContain('cannot be created');
  });

  it('rolls a failing migration back and names it and the backup', () => {
    createAt(dbPath, steps(1), 3);
    const broken: Migration = {
      version: 2,
      name: 'add notes',
      up(db) {
        db.exec('CREATE TABLE notes (text TEXT)');
        db.exec('INSERT INTO no_such_table VALUES (1)');
      },
    };

    const error = refusal(() => openDatabase({ path: dbPath, migrations: [step(1), broken] }));
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('migration 2 "add notes"');
    expect(error.message).toContain('no such table: no_such_table');
    expect(error.message).toContain('the database is at schema 1');
    expect(error.message).toContain(`${dbPath}.pre-v2.bak`);
    expect(existsSync(`${dbPath}.pre-v2.bak`)).toBe(true);

    const db = openDatabase({ path: dbPath, migrations: steps(1) });
    try {
      expect(userVersion(db)).toBe(1);
      expect(applied(db)).toEqual([1]);
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'notes'").pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(3);
    } finally {
      db.close();
    }
  });

  it('rolls back a failing first migration of a new database, with no backup to name', () => {
    const broken: Migration = { version: 1, name: 'start', up: (db) => void db.exec('CREATE TABLE (') };
    const error = refusal(() => openDatabase({ path: dbPath, migrations: [broken] }));
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('the database is at schema 0');
    expect(error.message).not.toContain('.bak');

    const db = openDatabase({ path: dbPath, migrations: [] });
    expect(userVersion(db)).toBe(0);
    db.close();
  });
});

function overwrite(path: string, position: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, position);
  } finally {
    closeSync(fd);
  }
}
