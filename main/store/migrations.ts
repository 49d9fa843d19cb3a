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
];
