import type { Server } from '../../../preload/api';

/** A server as the main side lists it, with the defaults of a new one; `more` replaces whole fields. */
export function testServer(id: string, more: Partial<Server> = {}): Server {
  return {
    id,
    name: id,
    host: `${id}.example.com`,
    port: 22,
    user: 'ops',
    tags: [],
    group: null,
    groupId: null,
    auth: 'agent',
    keyId: null,
    jumpServerId: null,
    agentForwarding: false,
    strictHostKeyChecking: 'ask',
    keepaliveInterval: 10,
    keepaliveCountMax: 3,
    tmuxSession: null,
    sessionLog: false,
    link: { agent: null, agentTokenSaved: false, agentCommand: null, triggerDir: null, tmuxSocket: null, layers: ['bridge', 'tmux', 'trigger', 'exec'] },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...more,
  };
}
