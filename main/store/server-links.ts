import type { Database } from '../../agent/store/sqlite';
import type { LayerName } from '../links/adapters/layer';

/** How the link manager reaches one server's agent (schema step 3); the agent token is in the vault. */
export interface ServerLinkSettings {
  readonly serverId: string;
  readonly serverName: string;
  /** The agent's socket bridge; `tlsFingerprint` ("SHA256:…") pins its certificate, null = plain TCP. */
  readonly agent: { readonly host: string; readonly port: number; readonly tlsFingerprint: string | null } | null;
  /** The argv that starts `run-command` on the server (tmux and exec layers); null = the default. */
  readonly agentCommand: readonly string[] | null;
  readonly triggerDir: string | null;
  readonly tmuxSession: string | null;
  /** The tmux server's socket name (`tmux -L`), null for the user's default server. */
  readonly tmuxSocket: string | null;
  /** The order failover tries the layers in. */
  readonly layers: readonly LayerName[];
  /**
   * Where the server's SSH login lands: its host, and whether a jump host dials it (then its loopback is
   * not this machine's). The bridge layer reads a loopback agent address by it. Read-only here.
   */
  readonly sshDestination?: { readonly host: string; readonly jumpHosts: number };
}

export type ServerLinkChanges = Partial<Omit<ServerLinkSettings, 'serverId' | 'serverName' | 'sshDestination'>>;

/** The link columns of a servers row, as both repositories select them. */
export interface LinkColumns {
  agent_host: string | null;
  agent_port: number | null;
  agent_tls_fingerprint: string | null;
  agent_command: string | null;
  trigger_dir: string | null;
  tmux_session: string | null;
  tmux_socket: string | null;
  layers: string;
}

interface Row extends LinkColumns {
  id: string;
  name: string;
}

interface SelectedRow extends Row {
  host: string;
  jump_server_id: string | null;
}

export const LINK_COLUMNS = 'agent_host, agent_port, agent_tls_fingerprint, agent_command, trigger_dir, tmux_session, tmux_socket, layers';
const SELECT = `SELECT id, name, host, jump_server_id, ${LINK_COLUMNS} FROM servers`;

/** The link columns of servers: read by the link manager, written by `servers add --agent …`. */
export class ServerLinksRepository {
  private readonly statements;
  private readonly updateTransaction;

  constructor(db: Database) {
    this.statements = {
      byId: db.prepare<[string], SelectedRow>(`${SELECT} WHERE id = ?`),
      all: db.prepare<[], SelectedRow>(`${SELECT} ORDER BY name COLLATE NOCASE`),
      update: db.prepare<[Omit<Row, 'name'> & { now: string }]>(`
        UPDATE servers SET agent_host = :agent_host, agent_port = :agent_port, agent_tls_fingerprint = :agent_tls_fingerprint,
          agent_command = :agent_command, trigger_dir = :trigger_dir, tmux_session = :tmux_session, tmux_socket = :tmux_socket,
          layers = :layers, updated_at = :now
        WHERE id = :id`),
    };
    // Read and written under one write lock, so a concurrent change to another field is not undone.
    this.updateTransaction = db.transaction((serverId: string, changes: ServerLinkChanges): ServerLinkSettings | undefined => {
      const current = this.get(serverId);
      if (!current) return undefined;
      const next = { ...current, ...changes };
      this.statements.update.run({ ...toRow(next), now: new Date().toISOString() });
      return this.get(serverId);
    }).immediate;
  }

  get(serverId: string): ServerLinkSettings | undefined {
    const row = this.statements.byId.get(serverId);
    return row && toSettings(row);
  }

  list(): ServerLinkSettings[] {
    return this.statements.all.all().map(toSettings);
  }

  /** Changes the given fields; undefined when no server has this id. */
  update(serverId: string, changes: ServerLinkChanges): ServerLinkSettings | undefined {
    return this.updateTransaction(serverId, changes);
  }
}

function toSettings(row: SelectedRow): ServerLinkSettings {
  // Only whether a jump host is in the way matters to its readers, so the chain is not walked.
  return { serverId: row.id, serverName: row.name, ...linkOf(row), sshDestination: { host: row.host, jumpHosts: row.jump_server_id === null ? 0 : 1 } };
}

/** The link settings a servers row holds (the servers repository reads them with the rest of a server). */
export function linkOf(row: LinkColumns): Omit<ServerLinkSettings, 'serverId' | 'serverName'> {
  return {
    agent: row.agent_host !== null && row.agent_port !== null ? { host: row.agent_host, port: row.agent_port, tlsFingerprint: row.agent_tls_fingerprint } : null,
    agentCommand: row.agent_command === null ? null : (JSON.parse(row.agent_command) as string[]),
    triggerDir: row.trigger_dir,
    tmuxSession: row.tmux_session,
    tmuxSocket: row.tmux_socket,
    // Written only through this repository, from names the caller checked.
    layers: JSON.parse(row.layers) as LayerName[],
  };
}

function toRow(settings: ServerLinkSettings): Omit<Row, 'name'> {
  return {
    id: settings.serverId,
    agent_host: settings.agent?.host ?? null,
    agent_port: settings.agent?.port ?? null,
    agent_tls_fingerprint: settings.agent?.tlsFingerprint ?? null,
    agent_command: settings.agentCommand === null ? null : JSON.stringify(settings.agentCommand),
    trigger_dir: settings.triggerDir,
    tmux_session: settings.tmuxSession,
    tmux_socket: settings.tmuxSocket,
    layers: JSON.stringify(settings.layers),
  };
}
