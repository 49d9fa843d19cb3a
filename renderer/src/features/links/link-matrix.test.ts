import { describe, expect, it } from 'vitest';
import type { LinkStatus, Server, ServerLink } from '../../../../preload/api';
import { testServer } from '../../testing/server-fixture';
import { buildMatrix, MATRIX_LAYERS, type ActiveCell, type UnsetCell } from './link-matrix';

function server(name: string, link: Partial<ServerLink> = {}, tmuxSession: string | null = 'ops'): Server {
  const agent: ServerLink = {
    agent: { host: '127.0.0.1', port: 8899, tlsFingerprint: null },
    agentTokenSaved: true,
    agentCommand: null,
    triggerDir: '/var/lib/lifeline/trigger',
    tmuxSocket: null,
    layers: ['bridge', 'tmux', 'trigger', 'exec'],
  };
  return testServer(`id-${name}`, { name, host: '127.0.0.1', user: 'root', tmuxSession, link: { ...agent, ...link } });
}

function status(of: Server, layer: LinkStatus['layer'], patch: Partial<LinkStatus> = {}): LinkStatus {
  return { serverId: of.id, serverName: of.name, layer, state: 'up', failures: 0, lastLatencyMs: 0.4, lastError: null, lastProbeAt: '2025-01-01T00:00:00.000Z', ...patch };
}

describe('buildMatrix', () => {
  it('gives every server a cell per layer in the matrix order, with its probed state and place in its own order', () => {
    const web = server('web', { layers: ['exec', 'bridge', 'tmux', 'trigger'] });
    const down = status(web, 'tmux', { state: 'down', failures: 3, lastError: 'tmux: no server running' });
    const [row] = buildMatrix([web], [status(web, 'exec'), status(web, 'bridge'), down, status(web, 'trigger')]);
    expect(row!.cells.map((cell) => cell.layer)).toEqual([...MATRIX_LAYERS]);
    const cells = row!.cells as ActiveCell[];
    expect(cells.map((cell) => [cell.kind, cell.status.state, cell.position])).toEqual([
      ['active', 'up', 2],
      ['active', 'down', 3],
      ['active', 'up', 4],
      ['active', 'up', 1],
    ]);
    expect(cells[1]!.status).toBe(down);
    expect(row!.hasAgentSettings).toBe(true);
  });

  it('keeps each server its own states when two servers share layers', () => {
    const a = server('a');
    const b = server('b');
    const rows = buildMatrix([a, b], [status(a, 'bridge', { state: 'down' }), status(b, 'bridge', { state: 'degraded' })]);
    expect(rows.map((row) => (row.cells[0] as ActiveCell).status.state)).toEqual(['down', 'degraded']);
  });

  it('shows a layer that is set up but not probed yet as unknown', () => {
    const fresh = server('fresh');
    const cell = buildMatrix([fresh], [])[0]!.cells[0] as ActiveCell;
    expect(cell).toMatchObject({ kind: 'active', layer: 'bridge', status: { state: 'unknown', lastProbeAt: null, serverName: 'fresh' } });
  });

  it('marks layers the server lacks the settings for as not set up, saying why and what to do', () => {
    const bare = server('bare', { agent: null, triggerDir: null }, null);
    const [row] = buildMatrix([bare], [status(bare, 'bridge', { state: 'down', lastError: 'no agent bridge configured' }), status(bare, 'exec')]);
    const unset = row!.cells.filter((cell): cell is UnsetCell => cell.kind === 'unset');
    expect(unset.map((cell) => cell.layer)).toEqual(['bridge', 'tmux', 'trigger']);
    expect(unset[0]!.reason).toMatch(/agent endpoint/);
    expect(unset[0]!.fix).toMatch(/lifeline agent init/);
    expect(unset[1]!.reason).toMatch(/tmux session/);
    expect(unset[2]!.reason).toMatch(/trigger folder/);
    unset.forEach((cell) => expect(cell.fix).toMatch(/Servers page/));
    expect(row!.cells[3]).toMatchObject({ kind: 'active', layer: 'exec' });
    expect(row!.hasAgentSettings).toBe(false);
  });

  it('marks a layer left out of the server order as not set up, even when configured', () => {
    const web = server('web', { layers: ['bridge', 'exec'] });
    const cells = buildMatrix([web], [])[0]!.cells;
    expect(cells.map((cell) => cell.kind)).toEqual(['active', 'unset', 'unset', 'active']);
    expect((cells[1] as UnsetCell).fix).toMatch(/add tmux to its layers/);
  });

  it('warns on a bridge whose token is not saved', () => {
    const cells = buildMatrix([server('web', { agentTokenSaved: false })], [])[0]!.cells as ActiveCell[];
    expect(cells[0]!.warning).toMatch(/token/);
    expect(cells.slice(1).map((cell) => cell.warning)).toEqual([null, null, null]);
  });

  it('counts an agent command alone as agent settings', () => {
    const custom = server('custom', { agent: null, triggerDir: null, agentCommand: ['/opt/lifeline/bin/lifeline', 'agent', 'run-command'] });
    expect(buildMatrix([custom], [])[0]!.hasAgentSettings).toBe(true);
  });
});
