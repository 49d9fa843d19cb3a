import type { LinkLayer, LinkStatus, Server } from '../../../../preload/api';

/** The matrix's columns: every layer a command can be sent over, in the default failover order. */
export const MATRIX_LAYERS: readonly LinkLayer[] = ['bridge', 'tmux', 'trigger', 'exec'];

/** A layer the server can use: its probed state (unknown until the first probe) and its place in the order. */
export interface ActiveCell {
  kind: 'active';
  layer: LinkLayer;
  /** 1 = tried first by failover. */
  position: number;
  status: LinkStatus;
  /** Something set up only halfway that will make the layer fail, and how to fix it; null when nothing is. */
  warning: string | null;
}

/** A layer the server cannot use as it is set up: why, and what to do about it. */
export interface UnsetCell {
  kind: 'unset';
  layer: LinkLayer;
  reason: string;
  fix: string;
}

export type MatrixCell = ActiveCell | UnsetCell;

export interface MatrixRow {
  server: Server;
  cells: MatrixCell[];
  /** Whether any link setting of the agent (bridge, trigger folder, agent command) is given. */
  hasAgentSettings: boolean;
}

const EDIT = 'Edit the server on the Servers page';

/** Servers (in their list order) × the matrix layers, from the servers and the probed link states. */
export function buildMatrix(servers: readonly Server[], links: readonly LinkStatus[]): MatrixRow[] {
  const byKey = new Map(links.map((status) => [key(status.serverId, status.layer), status]));
  return servers.map((server) => ({
    server,
    hasAgentSettings: hasAgentSettings(server),
    cells: MATRIX_LAYERS.map((layer) => cellOf(server, layer, byKey.get(key(server.id, layer)))),
  }));
}

export function hasAgentSettings(server: Server): boolean {
  const { link } = server;
  return link.agent !== null || link.triggerDir !== null || link.agentCommand !== null;
}

function cellOf(server: Server, layer: LinkLayer, status: LinkStatus | undefined): MatrixCell {
  const missing = missingSetting(server, layer);
  if (missing) return { kind: 'unset', layer, ...missing };
  return {
    kind: 'active',
    layer,
    position: server.link.layers.indexOf(layer) + 1,
    // A server added a moment ago is listed before its first probe is announced.
    status: status ?? { serverId: server.id, serverName: server.name, layer, state: 'unknown', failures: 0, lastLatencyMs: null, lastError: null, lastProbeAt: null },
    warning: layer === 'bridge' && !server.link.agentTokenSaved ? `No agent token saved, so the agent will refuse the bridge. ${EDIT} and paste the server's bridge.token.` : null,
  };
}

function missingSetting(server: Server, layer: LinkLayer): { reason: string; fix: string } | null {
  if (!server.link.layers.includes(layer)) {
    return { reason: `${layer} is not among this server's layers, so failover never tries it.`, fix: `${EDIT} and add ${layer} to its layers.` };
  }
  if (layer === 'bridge' && server.link.agent === null) {
    return {
      reason: 'No agent endpoint (host and port of its socket bridge).',
      fix: `Run \`lifeline agent init\` on the server and start the agent. Then: ${EDIT} and set the agent host, port and token.`,
    };
  }
  if (layer === 'trigger' && server.link.triggerDir === null) {
    return { reason: "No trigger folder (the agent's trigger.dir).", fix: `${EDIT} and set the agent's trigger folder.` };
  }
  if (layer === 'tmux' && server.tmuxSession === null) {
    return { reason: 'No tmux session to send commands into.', fix: `${EDIT} and set its tmux session.` };
  }
  return null;
}

function key(serverId: string, layer: LinkLayer): string {
  return `${serverId}\n${layer}`;
}
