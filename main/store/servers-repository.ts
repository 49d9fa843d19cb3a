import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { Server } from '../../preload/api';
import type { ServerFields } from '../api/server-rules';
import type { ServersStore } from '../api/service';
import type { Database } from '../../agent/store/sqlite';

interface ServerRow {
  id: string;
  name: string;
  host: string;
  port: number;
  user: string;
  tags: string;
  group_name: string | null;
  created_at: string;
  updated_at: string;
}

type ServerValues = {
  id: string;
  name: string;
  host: string;
  port: number;
  user: string;
  tags: string;
  group_id: string | null;
  now: string;
};

const SELECT_SERVERS = `
  SELECT s.id, s.name, s.host, s.port, s.user, s.tags, g.name AS group_name, s.created_at, s.updated_at
  FROM servers s LEFT JOIN groups g ON g.id = s.group_id`;

/** Servers and the groups they are filed under, in the desktop database. */
export class ServersRepository implements ServersStore {
  private readonly statements;
  private readonly createTransaction;
  private readonly updateTransaction;

  constructor(db: Database) {
    this.statements = {
      list: db.prepare<[], ServerRow>(`${SELECT_SERVERS} ORDER BY s.name COLLATE NOCASE`),
      byId: db.prepare<[string], ServerRow>(`${SELECT_SERVERS} WHERE s.id = ?`),
      exists: db.prepare<[string], number>('SELECT 1 FROM servers WHERE id = ?').pluck(),
      // `name` has COLLATE NOCASE, so `=` matches "Prod" to "prod".
      groupByName: db.prepare<[string], string>('SELECT id FROM groups WHERE name = ?').pluck(),
      insertGroup: db.prepare<[{ id: string; name: string; now: string }]>(
        'INSERT INTO groups (id, name, created_at) VALUES (:id, :name, :now)',
      ),
      insert: db.prepare<[ServerValues]>(`
        INSERT INTO servers (id, name, host, port, user, tags, group_id, created_at, updated_at)
        VALUES (:id, :name, :host, :port, :user, :tags, :group_id, :now, :now)`),
      update: db.prepare<[ServerValues]>(`
        UPDATE servers
        SET name = :name, host = :host, port = :port, user = :user, tags = :tags, group_id = :group_id, updated_at = :now
        WHERE id = :id`),
      remove: db.prepare<[string]>('DELETE FROM servers WHERE id = ?'),
    };

    // IMMEDIATE takes the write lock before the group lookup, so two processes cannot both create a group.
    this.createTransaction = db.transaction((fields: ServerFields): Server => {
      const id = randomUUID();
      this.statements.insert.run(this.values(id, fields));
      return this.read(id);
    }).immediate;

    this.updateTransaction = db.transaction((id: string, fields: ServerFields): Server | 'not-found' => {
      if (this.statements.exists.get(id) === undefined) return 'not-found';
      this.statements.update.run(this.values(id, fields));
      return this.read(id);
    }).immediate;
  }

  list(): Server[] {
    return this.statements.list.all().map(toServer);
  }

  create(fields: ServerFields): Server | 'duplicate-name' {
    return duplicateNameAsResult(() => this.createTransaction(fields));
  }

  update(id: string, fields: ServerFields): Server | 'duplicate-name' | 'not-found' {
    return duplicateNameAsResult(() => this.updateTransaction(id, fields));
  }

  remove(id: string): boolean {
    return this.statements.remove.run(id).changes > 0;
  }

  private values(id: string, fields: ServerFields): ServerValues {
    return {
      id,
      name: fields.name,
      host: fields.host,
      port: fields.port,
      user: fields.user,
      tags: JSON.stringify(fields.tags),
      group_id: fields.group === null ? null : this.groupId(fields.group),
      now: new Date().toISOString(),
    };
  }

  private groupId(name: string): string {
    const existing = this.statements.groupByName.get(name);
    if (existing !== undefined) return existing;
    const id = randomUUID();
    this.statements.insertGroup.run({ id, name, now: new Date().toISOString() });
    return id;
  }

  private read(id: string): Server {
    const row = this.statements.byId.get(id);
    if (!row) throw new Error(`Server ${id} vanished inside its own write transaction.`);
    return toServer(row);
  }
}

// The UNIQUE index decides, inside the write itself: a check beforehand could race another writer. The
// throw also rolls back a group created for the refused server.
function duplicateNameAsResult<T>(write: () => T): T | 'duplicate-name' {
  try {
    return write();
  } catch (error) {
    if (
      error instanceof BetterSqlite3.SqliteError &&
      error.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
      error.message.includes('servers.name')
    ) {
      return 'duplicate-name';
    }
    throw error;
  }
}

function toServer(row: ServerRow): Server {
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    user: row.user,
    tags: JSON.parse(row.tags) as string[],
    group: row.group_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
