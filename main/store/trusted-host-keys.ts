import type { Database } from '../../agent/store/sqlite';
import { fingerprintOf } from '../ssh/fingerprint';
import { keyTypeOfBlob, normalizeHost } from '../ssh/known-hosts';

/** A host key the user accepted and asked Lifeline to remember. */
export interface TrustedHostKey {
  readonly host: string;
  readonly port: number;
  readonly keyType: string;
  /** The key blob in base64, as in a known_hosts line. */
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly addedAt: string;
}

/**
 * `conflict`: a different key of the same type is already trusted for that host and port, and was kept;
 * only `replace` changes it.
 */
export type RememberOutcome = 'remembered' | 'already-trusted' | 'conflict';

const COLUMNS = 'host, port, key_type, public_key, fingerprint, added_at';

interface Row {
  host: string;
  port: number;
  key_type: string;
  public_key: string;
  fingerprint: string;
  added_at: string;
}

/** Lifeline's own trust store of host keys, one per (host, port, key type), in the desktop database. */
export class TrustedHostKeysRepository {
  private readonly statements;
  private readonly rememberTransaction;
  private readonly replaceTransaction;

  constructor(db: Database) {
    this.statements = {
      find: db.prepare<[string, number], Row>(`SELECT ${COLUMNS} FROM trusted_host_keys WHERE host = ? AND port = ? ORDER BY key_type`),
      findType: db.prepare<[string, number, string], Row>(`SELECT ${COLUMNS} FROM trusted_host_keys WHERE host = ? AND port = ? AND key_type = ?`),
      insert: db.prepare<[Row]>(`
        INSERT INTO trusted_host_keys (${COLUMNS})
        VALUES (:host, :port, :key_type, :public_key, :fingerprint, :added_at)
        ON CONFLICT (host, port, key_type) DO NOTHING`),
      upsert: db.prepare<[Row]>(`
        INSERT INTO trusted_host_keys (${COLUMNS})
        VALUES (:host, :port, :key_type, :public_key, :fingerprint, :added_at)
        ON CONFLICT (host, port, key_type) DO UPDATE
        SET public_key = excluded.public_key, fingerprint = excluded.fingerprint, added_at = excluded.added_at`),
      forgetAll: db.prepare<[string, number]>('DELETE FROM trusted_host_keys WHERE host = ? AND port = ?'),
      forgetType: db.prepare<[string, number, string]>('DELETE FROM trusted_host_keys WHERE host = ? AND port = ? AND key_type = ?'),
    };

    // IMMEDIATE: the read that decides between "already trusted" and "conflict" sees the row the
    // insert collided with, even when another process writes the same host at the same time.
    this.rememberTransaction = db.transaction((row: Row): RememberOutcome => {
      if (this.statements.insert.run(row).changes === 1) return 'remembered';
      const existing = this.statements.findType.get(row.host, row.port, row.key_type);
      return existing?.public_key === row.public_key ? 'already-trusted' : 'conflict';
    }).immediate;

    this.replaceTransaction = db.transaction((row: Row): TrustedHostKey | undefined => {
      const previous = this.statements.findType.get(row.host, row.port, row.key_type);
      this.statements.upsert.run(row);
      return previous && toTrustedHostKey(previous);
    }).immediate;
  }

  /** The keys trusted for a host and port, by key type. */
  find(host: string, port: number): TrustedHostKey[] {
    return this.statements.find.all(normalizeHost(host), port).map(toTrustedHostKey);
  }

  /** Trusts a key the user accepted; never overwrites a different key of the same type (see `replace`). */
  remember(host: string, port: number, keyType: string, publicKeyBase64: string, fingerprint: string): RememberOutcome {
    return this.rememberTransaction(toRow(host, port, keyType, publicKeyBase64, fingerprint));
  }

  /**
   * The deliberate action from a server's settings: trusts this key in place of the one of the same
   * type. Returns the key it replaced, if there was one.
   */
  replace(host: string, port: number, keyType: string, publicKeyBase64: string, fingerprint: string): TrustedHostKey | undefined {
    return this.replaceTransaction(toRow(host, port, keyType, publicKeyBase64, fingerprint));
  }

  /** Stops trusting the host's key of that type, or all its keys; returns how many were removed. */
  forget(host: string, port: number, keyType?: string): number {
    const normalized = normalizeHost(host);
    const result =
      keyType === undefined ? this.statements.forgetAll.run(normalized, port) : this.statements.forgetType.run(normalized, port, keyType);
    return result.changes;
  }
}

// The callers hand over a key the SSH connection presented; an inconsistent one is a programming
// error, refused before it can be trusted under the wrong name.
function toRow(host: string, port: number, keyType: string, publicKeyBase64: string, fingerprint: string): Row {
  const normalized = normalizeHost(host);
  if (normalized === '') throw new Error('A trusted host key needs a host name; none was given.');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`A trusted host key needs a port from 1 to 65535, not ${port}.`);
  const blob = Buffer.from(publicKeyBase64, 'base64');
  if (blob.toString('base64') !== publicKeyBase64) throw new Error(`The public key for ${normalized} is not canonical base64.`);
  const declared = keyTypeOfBlob(blob);
  if (declared !== keyType) throw new Error(`The public key for ${normalized} is ${declared ? `of type ${declared}` : 'not a public key'}, not ${keyType}.`);
  const actual = fingerprintOf(blob);
  if (actual !== fingerprint) throw new Error(`The fingerprint ${fingerprint} given for ${normalized} is not the key's (${actual}).`);
  return {
    host: normalized,
    port,
    key_type: keyType,
    public_key: publicKeyBase64,
    fingerprint,
    added_at: new Date().toISOString(),
  };
}

function toTrustedHostKey(row: Row): TrustedHostKey {
  return {
    host: row.host,
    port: row.port,
    keyType: row.key_type,
    publicKey: row.public_key,
    fingerprint: row.fingerprint,
    addedAt: row.added_at,
  };
}
