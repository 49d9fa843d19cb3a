import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { SavedCommand, SavedCommandTarget } from '../../preload/api';
import type { Database } from '../../agent/store/sqlite';

/** A saved command as validated by the API: exactly one of argv and script. */
export interface SavedCommandFields {
  readonly name: string;
  readonly argv: readonly string[] | null;
  readonly script: string | null;
  readonly target: SavedCommandTarget;
  readonly dangerous: boolean;
}

export type SaveRefusal = 'duplicate-name' | 'not-found' | 'no-such-server' | 'no-such-group';

interface Row {
  id: string;
  name: string;
  argv: string | null;
  script: string | null;
  target_server_id: string | null;
  target_server_name: string | null;
  target_group_id: string | null;
  target_group_name: string | null;
  dangerous: 0 | 1;
  created_at: string;
  updated_at: string;
}

interface Values {
  id: string;
  name: string;
  argv: string | null;
  script: string | null;
  target_server_id: string | null;
  target_group_id: string | null;
  dangerous: 0 | 1;
  now: string;
}

const SELECT = `
  SELECT c.id, c.name, c.argv, c.script, c.target_server_id, s.name AS target_server_name,
    c.target_group_id, g.name AS target_group_name, c.dangerous, c.created_at, c.updated_at
  FROM saved_commands c
  LEFT JOIN servers s ON s.id = c.target_server_id
  LEFT JOIN groups g ON g.id = c.target_group_id`;

/** The command panel's saved commands (schema step 3). */
export class SavedCommandsRepository {
  private readonly statements;
  private readonly saveTransaction;

  constructor(db: Database) {
    this.statements = {
      list: db.prepare<[], Row>(`${SELECT} ORDER BY c.name COLLATE NOCASE`),
      byId: db.prepare<[string], Row>(`${SELECT} WHERE c.id = ?`),
      exists: db.prepare<[string], number>('SELECT 1 FROM saved_commands WHERE id = ?').pluck(),
      serverExists: db.prepare<[string], number>('SELECT 1 FROM servers WHERE id = ?').pluck(),
      groupExists: db.prepare<[string], number>('SELECT 1 FROM groups WHERE id = ?').pluck(),
      insert: db.prepare<[Values]>(`
        INSERT INTO saved_commands (id, name, argv, script, target_server_id, target_group_id, dangerous, created_at, updated_at)
        VALUES (:id, :name, :argv, :script, :target_server_id, :target_group_id, :dangerous, :now, :now)`),
      update: db.prepare<[Values]>(`
        UPDATE saved_commands SET name = :name, argv = :argv, script = :script, target_server_id = :target_server_id,
          target_group_id = :target_group_id, dangerous = :dangerous, updated_at = :now
        WHERE id = :id`),
      remove: db.prepare<[string]>('DELETE FROM saved_commands WHERE id = ?'),
    };
    // Under the write lock from the first check, so the target cannot vanish between the check and the write.
    this.saveTransaction = db.transaction((id: string | undefined, fields: SavedCommandFields): SavedCommand | SaveRefusal => {
      if ('serverId' in fields.target && this.statements.serverExists.get(fields.target.serverId) === undefined) return 'no-such-server';
      if ('groupId' in fields.target && this.statements.groupExists.get(fields.target.groupId) === undefined) return 'no-such-group';
      if (id !== undefined && this.statements.exists.get(id) === undefined) return 'not-found';
      const values = toValues(id ?? randomUUID(), fields);
      if (id === undefined) this.statements.insert.run(values);
      else this.statements.update.run(values);
      return this.get(values.id)!;
    }).immediate;
  }

  list(): SavedCommand[] {
    return this.statements.list.all().map(toSavedCommand);
  }

  get(id: string): SavedCommand | undefined {
    const row = this.statements.byId.get(id);
    return row && toSavedCommand(row);
  }

  /** Creates a command (no id) or replaces every field of the one with `id`. */
  save(id: string | undefined, fields: SavedCommandFields): SavedCommand | SaveRefusal {
    try {
      return this.saveTransaction(id, fields);
    } catch (error) {
      // The UNIQUE index decides inside the write, where no other writer can race it.
      if (error instanceof BetterSqlite3.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes('saved_commands.name')) {
        return 'duplicate-name';
      }
      throw error;
    }
  }

  remove(id: string): boolean {
    return this.statements.remove.run(id).changes > 0;
  }
}

function toValues(id: string, fields: SavedCommandFields): Values {
  return {
    id,
    name: fields.name,
    argv: fields.argv === null ? null : JSON.stringify(fields.argv),
    script: fields.script,
    target_server_id: 'serverId' in fields.target ? fields.target.serverId : null,
    target_group_id: 'groupId' in fields.target ? fields.target.groupId : null,
    dangerous: fields.dangerous ? 1 : 0,
    now: new Date().toISOString(),
  };
}

function toSavedCommand(row: Row): SavedCommand {
  const target =
    row.target_server_id !== null && row.target_server_name !== null
      ? { serverId: row.target_server_id, name: row.target_server_name }
      : row.target_group_id !== null && row.target_group_name !== null
        ? { groupId: row.target_group_id, name: row.target_group_name }
        : null;
  return {
    id: row.id,
    name: row.name,
    argv: row.argv === null ? null : (JSON.parse(row.argv) as string[]),
    script: row.script,
    target,
    dangerous: row.dangerous === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
