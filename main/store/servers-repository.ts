import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { Server } from '../../preload/api';
import type { ServerFields } from '../api/server-rules';
import type { JumpHop, ServersStore } from '../api/service';
import type { Database } from '../../agent/store/sqlite';
import { linkOf, ServerLinksRepository, type LinkColumns } from './server-links';

interface ServerRow extends LinkColumns {
  id: string;
  name: string;
  host: string;
  port: number;
  user: string;
  tags: string;
  group_name: string | null;
  auth: Server['auth'];
  key_id: string | null;
  jump_server_id: string | null;
  agent_forwarding: 0 | 1;
  strict_host_key_checking: Server['strictHostKeyChecking'];
  keepalive_interval: number;
  keepalive_count_max: number;
  tmux_session: string | null;
  session_log: 0 | 1;
  group_id: string | null;
  agent_token_saved: 0 | 1;
  created_at: string;
  updated_at: string;
}

type ServerValues = Omit<ServerRow, 'group_name' | 'created_at' | 'updated_at' | 'agent_token_saved' | keyof LinkColumns> & {
  tmux_session: string | null;
  now: string;
};

// The link columns are written by ServerLinksRepository; only whether a token is saved is read, never the token.
const SELECT_SERVERS = `
  SELECT s.id, s.name, s.host, s.port, s.user, s.tags, s.group_id, g.name AS group_name,
    s.auth, s.key_id, s.jump_server_id, s.agent_forwarding, s.strict_host_key_checking,
    s.keepalive_interval, s.keepalive_count_max, s.tmux_session, s.session_log,
    s.agent_host, s.agent_port, s.agent_tls_fingerprint, s.agent_command, s.trigger_dir, s.tmux_socket, s.layers,
    EXISTS (SELECT 1 FROM server_secrets x WHERE x.server_id = s.id AND x.kind = 'agent-token') AS agent_token_saved,
    s.created_at, s.updated_at
  FROM servers s LEFT JOIN groups g ON g.id = s.group_id`;

const SETTABLE_COLUMNS = [
  'name',
  'host',
  'port',
  'user',
  'tags',
  'group_id',
  'auth',
  'key_id',
  'jump_server_id',
  'agent_forwarding',
  'strict_host_key_checking',
  'keepalive_interval',
  'keepalive_count_max',
  'tmux_session',
  'session_log',
] as const satisfies ReadonlyArray<keyof ServerValues>;

/** Servers and the groups they are filed under, in the desktop database. */
export class ServersRepository implements ServersStore {
  private readonly statements;
  private readonly createTransaction;
  private readonly updateTransaction;
  private readonly links: ServerLinksRepository;

  constructor(private readonly db: Database) {
    this.links = new ServerLinksRepository(db);
    this.statements = {
      list: db.prepare<[], ServerRow>(`${SELECT_SERVERS} ORDER BY s.name COLLATE NOCASE`),
      byId: db.prepare<[string], ServerRow>(`${SELECT_SERVERS} WHERE s.id = ?`),
      exists: db.prepare<[string], number>('SELECT 1 FROM servers WHERE id = ?').pluck(),
      keyExists: db.prepare<[string], number>('SELECT 1 FROM keys WHERE id = ?').pluck(),
      jumpHop: db.prepare<[string], { name: string; jump_server_id: string | null }>(
        'SELECT name, jump_server_id FROM servers WHERE id = ?',
      ),
      jumpingThrough: db
        .prepare<[string], string>('SELECT name FROM servers WHERE jump_server_id = ? ORDER BY name COLLATE NOCASE')
        .pluck(),
      // `name` has COLLATE NOCASE, so `=` matches "Prod" to "prod".
      groupByName: db.prepare<[string], string>('SELECT id FROM groups WHERE name = ?').pluck(),
      insertGroup: db.prepare<[{ id: string; name: string; now: string }]>(
        'INSERT INTO groups (id, name, created_at) VALUES (:id, :name, :now)',
      ),
      insert: db.prepare<[ServerValues]>(`
        INSERT INTO servers (id, ${SETTABLE_COLUMNS.join(', ')}, created_at, updated_at)
        VALUES (:id, ${SETTABLE_COLUMNS.map((column) => `:${column}`).join(', ')}, :now, :now)`),
      update: db.prepare<[ServerValues]>(`
        UPDATE servers
        SET ${SETTABLE_COLUMNS.map((column) => `${column} = :${column}`).join(', ')}, updated_at = :now
        WHERE id = :id`),
      remove: db.prepare<[string]>('DELETE FROM servers WHERE id = ?'),
    };

    // IMMEDIATE takes the write lock before the group lookup, so two processes cannot both create a group.
    this.createTransaction = db.transaction((fields: ServerFields): Server => {
      const id = randomUUID();
      this.statements.insert.run(this.values(id, fields));
      // Omitted link fields keep the columns' defaults (no agent, every layer).
      if (fields.link) this.links.update(id, fields.link);
      return this.read(id);
    }).immediate;

    this.updateTransaction = db.transaction((id: string, fields: ServerFields): Server | 'not-found' => {
      if (this.statements.exists.get(id) === undefined) return 'not-found';
      this.statements.update.run(this.values(id, fields));
      // Omitted link fields keep what is stored: a form that does not show them cannot reset them.
      if (fields.link) this.links.update(id, fields.link);
      return this.read(id);
    }).immediate;
  }

  list(): Server[] {
    return this.statements.list.all().map(toServer);
  }

  get(id: string): Server | undefined {
    const row = this.statements.byId.get(id);
    return row && toServer(row);
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

  hasKey(id: string): boolean {
    return this.statements.keyExists.get(id) !== undefined;
  }

  jumpHop(id: string): JumpHop | undefined {
    const row = this.statements.jumpHop.get(id);
    return row && { name: row.name, jumpServerId: row.jump_server_id };
  }

  jumpingThrough(id: string): string[] {
    return this.statements.jumpingThrough.all(id);
  }

  atomically<T>(work: () => T): T {
    // The writes inside nest as savepoints; IMMEDIATE holds the write lock from the first read on.
    return this.db.transaction(work).immediate();
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
      auth: fields.auth,
      key_id: fields.keyId,
      jump_server_id: fields.jumpServerId,
      agent_forwarding: fields.agentForwarding ? 1 : 0,
      strict_host_key_checking: fields.strictHostKeyChecking,
      keepalive_interval: fields.keepaliveInterval,
      keepalive_count_max: fields.keepaliveCountMax,
      tmux_session: fields.tmuxSession,
      session_log: fields.sessionLog ? 1 : 0,
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
  const link = linkOf(row);
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    user: row.user,
    tags: JSON.parse(row.tags) as string[],
    group: row.group_name,
    groupId: row.group_id,
    auth: row.auth,
    keyId: row.key_id,
    jumpServerId: row.jump_server_id,
    agentForwarding: row.agent_forwarding === 1,
    strictHostKeyChecking: row.strict_host_key_checking,
    keepaliveInterval: row.keepalive_interval,
    keepaliveCountMax: row.keepalive_count_max,
    tmuxSession: row.tmux_session,
    sessionLog: row.session_log === 1,
    link: {
      agent: link.agent && { ...link.agent },
      agentTokenSaved: row.agent_token_saved === 1,
      agentCommand: link.agentCommand && [...link.agentCommand],
      triggerDir: link.triggerDir,
      tmuxSocket: link.tmuxSocket,
      layers: [...link.layers],
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
