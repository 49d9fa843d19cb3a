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
  {
    version: 3,
    name: 'agent links: layer settings of servers, agent tokens, link samples, the command ledger and saved commands',
    up(db) {
      // A server's way to its agent. The bridge token is a secret, so it lives in server_secrets (sealed
      // by the vault), whose kind check is widened here: SQLite cannot alter a CHECK, so the table is
      // rebuilt with its rows. `layers` is the order failover tries them in; `agent_command` is the argv
      // that starts run-command there (tmux and exec layers), NULL for the default.
      db.exec(`
        ALTER TABLE servers ADD COLUMN agent_host TEXT CHECK (agent_host IS NULL OR length(agent_host) BETWEEN 1 AND 255);
        ALTER TABLE servers ADD COLUMN agent_port INTEGER CHECK (agent_port IS NULL OR agent_port BETWEEN 1 AND 65535);
        ALTER TABLE servers ADD COLUMN agent_tls_fingerprint TEXT CHECK (agent_tls_fingerprint IS NULL OR length(agent_tls_fingerprint) BETWEEN 1 AND 200);
        ALTER TABLE servers ADD COLUMN agent_command TEXT
          CHECK (agent_command IS NULL OR (json_valid(agent_command) AND json_type(agent_command) = 'array'));
        ALTER TABLE servers ADD COLUMN trigger_dir TEXT CHECK (trigger_dir IS NULL OR length(trigger_dir) BETWEEN 1 AND 4096);
        ALTER TABLE servers ADD COLUMN tmux_socket TEXT CHECK (tmux_socket IS NULL OR length(tmux_socket) BETWEEN 1 AND 64);
        ALTER TABLE servers ADD COLUMN layers TEXT NOT NULL DEFAULT '["bridge","tmux","trigger","exec"]'
          CHECK (json_valid(layers) AND json_type(layers) = 'array');

        CREATE TABLE server_secrets_v3 (
          server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
          kind TEXT NOT NULL CHECK (kind IN ('password', 'agent-token')),
          secret BLOB NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (server_id, kind)
        ) STRICT;
        INSERT INTO server_secrets_v3 (server_id, kind, secret, updated_at)
          SELECT server_id, kind, secret, updated_at FROM server_secrets;
        DROP TABLE server_secrets;
        ALTER TABLE server_secrets_v3 RENAME TO server_secrets;

        -- One row per health probe of one layer of one server; kept for a day.
        CREATE TABLE link_samples (
          server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
          layer TEXT NOT NULL CHECK (layer IN ('bridge', 'tmux', 'trigger', 'exec')),
          at TEXT NOT NULL,
          ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
          latency_ms REAL NOT NULL CHECK (latency_ms >= 0),
          error TEXT
        ) STRICT;
        CREATE INDEX link_samples_by_server ON link_samples (server_id, layer, at);
        CREATE INDEX link_samples_by_time ON link_samples (at);

        -- The audit of every command: what (argv redacted), where, who, how it ended and over which layer.
        -- A deleted server keeps its commands, under the name it had.
        CREATE TABLE commands (
          id TEXT PRIMARY KEY NOT NULL,
          server_id TEXT REFERENCES servers (id) ON DELETE SET NULL,
          server_name TEXT NOT NULL,
          argv TEXT CHECK (argv IS NULL OR (json_valid(argv) AND json_type(argv) = 'array')),
          named TEXT,
          cwd TEXT,
          requested_by TEXT NOT NULL,
          started_at TEXT NOT NULL,
          finished_at TEXT,
          state TEXT NOT NULL CHECK (state IN ('running', 'finished', 'timeout', 'refused', 'lost', 'undelivered')),
          exit_code INTEGER,
          signal TEXT,
          stdout TEXT NOT NULL DEFAULT '',
          stderr TEXT NOT NULL DEFAULT '',
          truncated INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
          layer TEXT CHECK (layer IS NULL OR layer IN ('bridge', 'tmux', 'trigger', 'exec')),
          message TEXT
        ) STRICT;
        CREATE INDEX commands_by_server ON commands (server_id, started_at);
        CREATE INDEX commands_by_time ON commands (started_at);

        CREATE TABLE command_attempts (
          command_id TEXT NOT NULL REFERENCES commands (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL CHECK (seq >= 1),
          layer TEXT NOT NULL CHECK (layer IN ('bridge', 'tmux', 'trigger', 'exec')),
          started_at TEXT NOT NULL,
          latency_ms REAL CHECK (latency_ms IS NULL OR latency_ms >= 0),
          outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),
          error_code TEXT,
          error TEXT,
          PRIMARY KEY (command_id, seq)
        ) STRICT;

        -- Commands the user keeps as buttons: an argv, or a script run as /bin/sh -c on the server, and
        -- the server or group it runs on by default. A deleted target leaves the command without one.
        CREATE TABLE saved_commands (
          id TEXT PRIMARY KEY NOT NULL,
          name TEXT NOT NULL UNIQUE COLLATE NOCASE,
          argv TEXT CHECK (argv IS NULL OR (json_valid(argv) AND json_type(argv) = 'array')),
          script TEXT,
          target_server_id TEXT REFERENCES servers (id) ON DELETE SET NULL,
          target_group_id TEXT REFERENCES groups (id) ON DELETE SET NULL,
          dangerous INTEGER NOT NULL DEFAULT 0 CHECK (dangerous IN (0, 1)),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          CHECK ((argv IS NULL) <> (script IS NULL)),
          CHECK (target_server_id IS NULL OR target_group_id IS NULL)
        ) STRICT;
      `);
    },
  },
  {
    version: 4,
    name: 'the saved command a ledger entry ran, by the name it had then',
    up(db) {
      // Null for a command typed in; a renamed or deleted saved command leaves the entry as it was.
      db.exec(`ALTER TABLE commands ADD COLUMN saved_command TEXT CHECK (saved_command IS NULL OR length(saved_command) BETWEEN 1 AND 64);`);
    },
  },
];
