import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export type Database = BetterSqlite3.Database;

/** One step of a schema, numbered 1..N in the order it must run. `up` runs inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export type StoreErrorCode = 'CORRUPT' | 'UNREADABLE' | 'TOO_NEW' | 'MIGRATION_FAILED';

/** Why a database was not opened. The message names the file and says what the user can do. */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OpenDatabaseOptions {
  path: string;
  migrations: readonly Migration[];
  /** The name used in messages ("… is not a Lifeline database"). */
  product?: string;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) a SQLite database and brings its schema up to the newest migration.
 * A file that is damaged, unreadable or written by a newer version is refused with a StoreError and
 * left exactly as it was: it is inspected by hand and through a read-only connection before anything
 * opens it for writing.
 */
export function openDatabase(options: OpenDatabaseOptions): Database {
  const { path, migrations, product = 'Lifeline' } = options;
  const latest = checkMigrations(migrations);
  // SQLite creates these next to the file even for a read-only connection; a refused file must not
  // gain any, but ones that were already there may hold another process's data and stay.
  const newSidecars = [`${path}-wal`, `${path}-shm`].filter((sidecar) => !existsSync(sidecar));
  const say = messages(path, product);
  try {
    const existing = inspectFile(path, say);
    if (existing === 'missing') createParentFolder(path, say);
    const backup = existing === 'database' ? vetExisting(path, latest, say) : undefined;
    return openForWriting(path, migrations, backup, say);
  } catch (error) {
    removeUnusedSidecars(newSidecars);
    throw error;
  }
}

function checkMigrations(migrations: readonly Migration[]): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      // A programming error, not a user one: the list in code is wrong.
      throw new Error(
        `Migration "${migration.name}" has version ${migration.version} at position ${index + 1}; migrations must be numbered 1..N in order.`,
      );
    }
  });
  return migrations.length;
}

type FileState = 'missing' | 'empty' | 'database';

// Looks at the file without SQLite, so that a non-database is never handed to a library that might
// "repair" it by writing.
function inspectFile(path: string, say: Messages): FileState {
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw say.unreadable('it is a folder, not a file');
    if (!stats.isFile()) throw say.unreadable('it is not a regular file');
    size = stats.size;
  } catch (error) {
    if (error instanceof StoreError) throw error;
    // ENOTDIR: part of the folder path is a file; creating the folder then explains that best.
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return 'missing';
    throw say.unreadable(reasonOf(error), error);
  }
  if (size === 0) return 'empty';

  const header = Buffer.alloc(SQLITE_HEADER.length);
  let read: number;
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw say.unreadable(reasonOf(error), error);
  }
  if (read < header.length || !header.equals(SQLITE_HEADER)) throw say.corrupt();
  return 'database';
}

function createParentFolder(path: string, say: Messages): void {
  const folder = dirname(path);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw say.unreadable(`its folder ${folder} cannot be created (${reasonOf(error)})`, error);
  }
}

/**
 * Reads the schema version through a read-only connection (which also makes SQLite check the header
 * page and parse the schema), refuses a newer schema, and copies the file aside before an upgrade.
 * Returns the backup's path when one was made.
 */
function vetExisting(path: string, latest: number, say: Messages): string | undefined {
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    const current = userVersion(db);
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
    if (current > latest) throw say.tooNew(current, latest);
    if (current === 0 || current === latest) return undefined;
    return backUp(db, `${path}.pre-v${latest}.bak`, say);
  } catch (error) {
    throw asStoreError(error, say);
  } finally {
    db?.close();
  }
}

function backUp(db: Database, backup: string, say: Messages): string {
  // Written beside and renamed over, so the previous backup of this version survives a failed copy.
  const partial = `${backup}.partial`;
  try {
    rmSync(partial, { force: true });
    // VACUUM INTO also reads every page, so damage anywhere in the file surfaces here as SQLITE_CORRUPT.
    db.prepare('VACUUM INTO ?').run(partial);
    renameSync(partial, backup);
    return backup;
  } catch (error) {
    rmSync(partial, { force: true });
    if (corruptionCode(error)) throw error;
    throw say.backupFailed(backup, error);
  }
}

function openForWriting(path: string, migrations: readonly Migration[], backup: string | undefined, say: Messages): Database {
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, backup, say);
    return db;
  } catch (error) {
    db?.close();
    throw asStoreError(error, say);
  }
}

function migrate(db: Database, migrations: readonly Migration[], backup: string | undefined, say: Messages): void {
  for (const migration of migrations) {
    const apply = db.transaction(() => {
      // Re-read under the write lock: another process opening the same file may have applied it already.
      if (userVersion(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      apply.immediate();
    } catch (error) {
      throw say.migrationFailed(migration, userVersion(db), backup, error);
    }
  }
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function removeUnusedSidecars(sidecars: readonly string[]): void {
  for (const sidecar of sidecars) {
    if (!existsSync(sidecar)) continue;
    // A write-ahead log with frames in it holds committed data, whoever created it; only an empty one may go.
    if (sidecar.endsWith('-wal') && statSync(sidecar).size > 0) continue;
    rmSync(sidecar);
  }
}

function corruptionCode(error: unknown): boolean {
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB');
}

function asStoreError(error: unknown, say: Messages): unknown {
  if (error instanceof StoreError) return error;
  if (corruptionCode(error)) return say.corrupt(error);
  const code = sqliteCode(error);
  if (['SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_AUTH'].some((c) => code.startsWith(c))) {
    return say.unreadable(reasonOf(error), error);
  }
  return error;
}

function sqliteCode(error: unknown): string {
  return error instanceof BetterSqlite3.SqliteError ? error.code : '';
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Single quotes keep any path literal when the user pastes the suggested command into a shell.
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

type Messages = ReturnType<typeof messages>;

function messages(path: string, product: string) {
  const untouched = `${product} left it untouched.`;
  return {
    corrupt: (cause?: unknown) =>
      new StoreError(
        'CORRUPT',
        path,
        `${path} is not a ${product} database (it may be damaged). ${untouched} ` +
          `Move it aside (mv ${shellQuote(path)} ${shellQuote(`${path}.broken`)}) to start with an empty database, ` +
          `or restore it from a backup.`,
        { cause },
      ),
    unreadable: (reason: string, cause?: unknown) =>
      new StoreError(
        'UNREADABLE',
        path,
        `${product} cannot use its database ${path}: ${reason}. ${untouched} ` +
          `Check that it is a file the user running ${product} owns and may read and write (ls -l ${shellQuote(path)}), ` +
          `or set LIFELINE_HOME to another folder.`,
        { cause },
      ),
    tooNew: (found: number, known: number) =>
      new StoreError(
        'TOO_NEW',
        path,
        `${path} was written by a newer version of ${product} (schema ${found}; this version knows up to ${known}). ` +
          `${untouched} Upgrade ${product}, or set LIFELINE_HOME to another folder.`,
      ),
    backupFailed: (backup: string, cause: unknown) =>
      new StoreError(
        'MIGRATION_FAILED',
        path,
        `${product} could not copy ${path} to ${backup} before upgrading it (${reasonOf(cause)}), so it did not upgrade. ` +
          `${untouched} Free some disk space or fix the folder's permissions, then start ${product} again.`,
        { cause },
      ),
    migrationFailed: (migration: Migration, current: number, backup: string | undefined, cause: unknown) =>
      new StoreError(
        'MIGRATION_FAILED',
        path,
        `Upgrading ${path} failed in migration ${migration.version} "${migration.name}": ${reasonOf(cause)}. ` +
          `That migration was rolled back; the database is at schema ${current}. ` +
          (backup ? `A copy from before the upgrade is at ${backup}. ` : '') +
          `Keep ${backup ? 'both files' : 'the file'} and report this error; this version of ${product} cannot use the database until it is fixed.`,
        { cause },
      ),
  };
}
