import BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../../agent/store/sqlite';
import { VaultError } from './errors';

// The vault's rows in the desktop database (schema step 2: `vault`, `keys`, `server_secrets`; step 3 adds agent tokens). Only
// ciphertext and public data pass through here; nothing in this file sees a plaintext secret.

export type Wrapping = 'passphrase' | 'keychain';

export interface VaultRow {
  wrapping: Wrapping;
  /** scrypt parameters and salt (JSON) for a passphrase wrapping; null for the keychain. */
  kdf: string | null;
  wrapped_key: Buffer;
}

export interface KeyRow {
  id: string;
  name: string;
  type: string;
  bits: number;
  comment: string;
  fingerprint: string;
  public_key: string;
  created_at: string;
}

export type NewKeyRow = KeyRow & { secret: Buffer };

/** What a server's secret is: a saved SSH password, or the token of its agent's socket bridge (schema step 3). */
export type ServerSecretKind = 'password' | 'agent-token';

export interface ServerSecretRow {
  server_id: string;
  kind: ServerSecretKind;
  secret: Buffer;
}

const KEY_COLUMNS = 'id, name, type, bits, comment, fingerprint, public_key, created_at';

export class VaultTables {
  private readonly statements;
  private readonly insertKeyTransaction;

  constructor(db: Database) {
    this.statements = {
      vault: db.prepare<[], VaultRow>('SELECT wrapping, kdf, wrapped_key FROM vault WHERE id = 1'),
      insertVault: db.prepare<[VaultRow & { now: string }]>(
        'INSERT INTO vault (id, wrapping, kdf, wrapped_key, created_at, updated_at) VALUES (1, :wrapping, :kdf, :wrapped_key, :now, :now)',
      ),
      // Compare-and-swap on the old wrapping: of two changes racing (two windows, or the CLI), one wins
      // and the other learns it lost instead of silently undoing the first.
      rewrap: db.prepare<[{ kdf: string | null; wrapped_key: Buffer; previous: Buffer; now: string }]>(
        'UPDATE vault SET kdf = :kdf, wrapped_key = :wrapped_key, updated_at = :now WHERE id = 1 AND wrapped_key = :previous',
      ),
      keys: db.prepare<[], KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys ORDER BY name COLLATE NOCASE, created_at`),
      keyById: db.prepare<[string], KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE id = ?`),
      keySecret: db.prepare<[string], { name: string; secret: Buffer }>('SELECT name, secret FROM keys WHERE id = ?'),
      // `name` has COLLATE NOCASE, so "Deploy" finds "deploy".
      keyNamed: db.prepare<[string], string>('SELECT name FROM keys WHERE name = ?').pluck(),
      keyWithFingerprint: db.prepare<[string], string>('SELECT name FROM keys WHERE fingerprint = ?').pluck(),
      insertKey: db.prepare<[NewKeyRow]>(
        `INSERT INTO keys (${KEY_COLUMNS}, secret) VALUES (:id, :name, :type, :bits, :comment, :fingerprint, :public_key, :created_at, :secret)`,
      ),
      deleteKey: db.prepare<[string]>('DELETE FROM keys WHERE id = ?'),
      serverSecret: db.prepare<[string, ServerSecretKind], Buffer>('SELECT secret FROM server_secrets WHERE server_id = ? AND kind = ?').pluck(),
      allServerSecrets: db.prepare<[], ServerSecretRow>('SELECT server_id, kind, secret FROM server_secrets'),
      upsertServerSecret: db.prepare<[{ server_id: string; kind: ServerSecretKind; secret: Buffer; now: string }]>(`
        INSERT INTO server_secrets (server_id, kind, secret, updated_at) VALUES (:server_id, :kind, :secret, :now)
        ON CONFLICT (server_id, kind) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at`),
      deleteServerSecret: db.prepare<[string, ServerSecretKind]>('DELETE FROM server_secrets WHERE server_id = ? AND kind = ?'),
    };

    // IMMEDIATE takes the write lock before the checks, so another process cannot slip in a duplicate.
    this.insertKeyTransaction = db.transaction((row: NewKeyRow) => {
      const sameName = this.statements.keyNamed.get(row.name);
      if (sameName !== undefined) {
        throw new VaultError('DUPLICATE_NAME', `A key named "${sameName}" is already in the vault. Choose another name, or delete that key first.`, { field: 'name' });
      }
      const sameKey = this.statements.keyWithFingerprint.get(row.fingerprint);
      if (sameKey !== undefined) {
        throw new VaultError('DUPLICATE_KEY', `This key (${row.fingerprint}) is already in the vault as "${sameKey}". Use that key; a second copy would only add a name.`);
      }
      this.statements.insertKey.run(row);
    }).immediate;
  }

  vault(): VaultRow | undefined {
    return this.statements.vault.get();
  }

  /** False when a vault row already exists (another caller set it up first). */
  insertVault(row: VaultRow): boolean {
    try {
      this.statements.insertVault.run({ ...row, now: now() });
      return true;
    } catch (error) {
      if (error instanceof BetterSqlite3.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return false;
      throw error;
    }
  }

  /** Replaces the wrapping only if it is still `previous`; false when something else replaced it first. */
  rewrap(previous: Buffer, next: { kdf: string | null; wrappedKey: Buffer }): boolean {
    return this.statements.rewrap.run({ kdf: next.kdf, wrapped_key: next.wrappedKey, previous, now: now() }).changes === 1;
  }

  keyNamed(name: string): string | undefined {
    return this.statements.keyNamed.get(name);
  }

  keys(): KeyRow[] {
    return this.statements.keys.all();
  }

  key(id: string): KeyRow | undefined {
    return this.statements.keyById.get(id);
  }

  keySecret(id: string): { name: string; secret: Buffer } | undefined {
    return this.statements.keySecret.get(id);
  }

  /** Throws DUPLICATE_NAME or DUPLICATE_KEY naming the key already there. */
  insertKey(row: NewKeyRow): void {
    this.insertKeyTransaction(row);
  }

  deleteKey(id: string): boolean {
    return this.statements.deleteKey.run(id).changes === 1;
  }

  serverSecret(serverId: string, kind: ServerSecretKind): Buffer | undefined {
    return this.statements.serverSecret.get(serverId, kind);
  }

  serverSecrets(): ServerSecretRow[] {
    return this.statements.allServerSecrets.all();
  }

  /** False when no server has this id. */
  setServerSecret(serverId: string, kind: ServerSecretKind, secret: Buffer): boolean {
    try {
      this.statements.upsertServerSecret.run({ server_id: serverId, kind, secret, now: now() });
      return true;
    } catch (error) {
      if (error instanceof BetterSqlite3.SqliteError && error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return false;
      throw error;
    }
  }

  clearServerSecret(serverId: string, kind: ServerSecretKind): void {
    this.statements.deleteServerSecret.run(serverId, kind);
  }
}

function now(): string {
  return new Date().toISOString();
}
