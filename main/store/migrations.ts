import type { Migration } from '../../agent/store/sqlite';

/**
 * The desktop database's schema, one numbered step at a time. Released steps are never edited: a change
 * is a new step at the end, so every installation reaches the same schema by the same path.
 */
export const desktopMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'servers and groups',
    up(db) {
      // Timestamps are ISO 8601 text (UTC), which sorts in time order.
      db.exec(`
        CREATE TABLE groups (
          id TEXT PRIMARY KEY NOT NULL,
          name TEXT NOT NULL UNIQUE COLLATE NOCASE,
          created_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE servers (
          id TEXT PRIMARY KEY NOT NULL,
          name TEXT NOT NULL UNIQUE COLLATE NOCASE,
          host TEXT NOT NULL,
          port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
          user TEXT NOT NULL,
          tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
          group_id TEXT REFERENCES groups (id) ON DELETE SET NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;

        CREATE INDEX servers_by_group ON servers (group_id);
      `);
    },
  },
  {
    version: 2,
    name: 'key vault, trusted host keys and SSH settings of servers',
    up(db) {
      // Secrets (private keys, saved passwords) are stored only as AEAD ciphertext under the vault's data
      // key; `vault` holds that data key wrapped by a passphrase (kdf: JSON parameters and salt) or by
      // the OS keychain (kdf NULL). One vault per installation.
      db.exec(`
        CREATE TABLE vault (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          wrapping TEXT NOT NULL CHECK (wrapping IN ('passphrase', 'keychain')),
          kdf TEXT CHECK (kdf IS NULL OR json_valid(kdf)),
          wrapped_key BLOB NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE keys (
          id TEXT PRIMARY KEY NOT NULL,
          name TEXT NOT NULL UNIQUE COLLATE NOCASE,
          type TEXT NOT NULL,
          bits INTEGER NOT NULL CHECK (bits > 0),
          comment TEXT NOT NULL DEFAULT '',
          fingerprint TEXT NOT NULL,
          public_key TEXT NOT NULL,
          secret BLOB NOT NULL,
          created_at TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX keys_by_fingerprint ON keys (fingerprint);

        CREATE TABLE server_secrets (
          server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
          kind TEXT NOT NULL CHECK (kind IN ('password')),
          secret BLOB NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (server_id, kind)
        ) STRICT;

        -- Host keys the user accepted and asked to remember, by the host and port as connected to.
        CREATE TABLE trusted_host_keys (
          host TEXT NOT NULL,
          port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
          key_type TEXT NOT NULL,
          public_key TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          added_at TEXT NOT NULL,
          PRIMARY KEY (host, port, key_type)
        ) STRICT;

        ALTER TABLE servers ADD COLUMN auth TEXT NOT NULL DEFAULT 'agent'
          CHECK (auth IN ('key', 'agent', 'password', 'keyboard-interactive'));
        ALTER TABLE servers ADD COLUMN key_id TEXT REFERENCES keys (id) ON DELETE SET NULL;
        ALTER TABLE servers ADD COLUMN jump_server_id TEXT REFERENCES servers (id) ON DELETE SET NULL
          CHECK (jump_server_id IS NULL OR jump_server_id <> id);
        ALTER TABLE servers ADD COLUMN agent_forwarding INTEGER NOT NULL DEFAULT 0 CHECK (agent_forwarding IN (0, 1));
        ALTER TABLE servers ADD COLUMN strict_host_key_checking TEXT NOT NULL DEFAULT 'ask'
          CHECK (strict_host_key_checking IN ('ask', 'yes', 'accept-new', 'no'));
        ALTER TABLE servers ADD COLUMN keepalive_interval INTEGER NOT NULL DEFAULT 10 CHECK (keepalive_interval BETWEEN 0 AND 3600);
        ALTER TABLE servers ADD COLUMN keepalive_count_max INTEGER NOT NULL DEFAULT 3 CHECK (keepalive_count_max BETWEEN 1 AND 100);
        ALTER TABLE servers ADD COLUMN tmux_session TEXT CHECK (tmux_session IS NULL OR length(tmux_session) BETWEEN 1 AND 64);
        ALTER TABLE servers ADD COLUMN session_log INTEGER NOT NULL DEFAULT 0 CHECK (session_log IN (0, 1));
      `);
    },
  },
];
