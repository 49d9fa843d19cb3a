// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type {
  AppInfo,
  CommandRecordInfo,
  CommandRunInfo,
  KeyInfo,
  LifelineApi,
  LifelineEvents,
  LinkSamplePoint,
  LinkStatus,
  OpenTerminalInput,
  PendingPrompt,
  Result,
  SavedCommand,
  SavedCommandInput,
  Server,
  ServerInput,
  SshConfigImportInput,
  SshConfigImportOutcome,
  SshConfigPreview,
  TerminalAttachment,
  TerminalInfo,
  TmuxSessionInfo,
  Unsubscribe,
  VaultStatus,
} from '../../../preload/api';
import type { ConnectionSource, ConnectionState } from '../bridge';
import { createAppStore, startAppStore } from './app-store';
import { pageFromHash } from './navigation-slice';

// The store is tested against an in-memory stand-in for the main side: the real one lives in main/,
// which the renderer may not import; e2e/ drives the store against the real web console.
class MemoryApi implements LifelineApi {
  servers: Server[] = [];
  listFailures: string[] = [];
  readonly listeners = new Set<(servers: Server[]) => void>();
  private nextId = 1;
  /** Answers held back by a test, to release out of order. */
  held: Array<() => void> | undefined;

  async getAppInfo(): Promise<Result<AppInfo>> {
    return { ok: true, value: { version: '9.9.9', mode: 'web', dataDir: '/tmp/lifeline-test' } };
  }

  async listServers(): Promise<Result<Server[]>> {
    const failure = this.listFailures.shift();
    const result: Result<Server[]> = failure
      ? { ok: false, code: 'INTERNAL', message: failure }
      : { ok: true, value: [...this.servers] };
    if (this.held) {
      const held = this.held;
      return new Promise((resolve) => held.push(() => resolve(result)));
    }
    return result;
  }

  async createServer(input: ServerInput): Promise<Result<Server>> {
    if (this.servers.some((server) => server.name === input.name)) {
      return { ok: false, code: 'DUPLICATE_NAME', message: 'Taken.', fields: { name: 'This name is already used' } };
    }
    const server: Server = {
      id: `s${this.nextId++}`,
      name: input.name,
      host: input.host,
      port: input.port ?? 22,
      user: input.user,
      tags: input.tags ?? [],
      group: input.group ?? null,
      groupId: input.group ? `g-${input.group}` : null,
      auth: input.auth ?? 'agent',
      keyId: input.keyId ?? null,
      jumpServerId: input.jumpServerId ?? null,
      agentForwarding: input.agentForwarding ?? false,
      strictHostKeyChecking: input.strictHostKeyChecking ?? 'ask',
      keepaliveInterval: input.keepaliveInterval ?? 10,
      keepaliveCountMax: input.keepaliveCountMax ?? 3,
      tmuxSession: input.tmuxSession ?? null,
      sessionLog: input.sessionLog ?? false,
      link: {
        agent: input.link?.agent ? { ...input.link.agent, tlsFingerprint: input.link.agent.tlsFingerprint ?? null } : null,
        agentTokenSaved: false,
        agentCommand: input.link?.agentCommand ?? null,
        triggerDir: input.link?.triggerDir ?? null,
        tmuxSocket: input.link?.tmuxSocket ?? null,
        layers: input.link?.layers ?? ['bridge', 'tmux', 'trigger', 'exec'],
      },
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    };
    this.servers = [...this.servers, server].sort((a, b) => a.name.localeCompare(b.name));
    return { ok: true, value: server };
  }

  async updateServer(id: string, input: ServerInput): Promise<Result<Server>> {
    const existing = this.servers.find((server) => server.id === id);
    if (!existing) return { ok: false, code: 'NOT_FOUND', message: 'Gone.' };
    // The store never edits links; they stay as they were, as the main side keeps omitted link fields.
    const server: Server = { ...existing, ...input, port: input.port ?? 22, tags: input.tags ?? [], group: input.group ?? null, link: existing.link };
    this.servers = this.servers.map((s) => (s.id === id ? server : s));
    return { ok: true, value: server };
  }

  async deleteServer(id: string): Promise<Result<{ id: string }>> {
    this.servers = this.servers.filter((server) => server.id !== id);
    return { ok: true, value: { id } };
  }

  async previewSshConfigImport(): Promise<Result<SshConfigPreview>> {
    return { ok: false, code: 'SSH_CONFIG_ERROR', message: 'There is no SSH config at ~/.ssh/config.' };
  }

  // Each chosen host becomes a server named after it; a taken name is reported, not created.
  async importSshConfig(request: SshConfigImportInput): Promise<Result<SshConfigImportOutcome>> {
    const outcome: SshConfigImportOutcome = { created: [], notCreated: [] };
    for (const host of request.hosts) {
      const result = await this.createServer(input(host));
      if (result.ok) outcome.created.push(result.value);
      else outcome.notCreated.push({ host, reason: result.message });
    }
    return { ok: true, value: outcome };
  }

  onServersChanged(listener: (servers: Server[]) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  announce(): void {
    for (const listener of this.listeners) listener([...this.servers]);
  }

  // The vault, keys and prompts: enough to check that the store follows them.
  vault: VaultStatus = { state: 'locked', wrapping: 'passphrase', keychainAvailable: false };
  keys: KeyInfo[] = [];
  readonly eventListeners: { [K in 'vaultChanged' | 'keysChanged' | 'promptsChanged']: Set<(value: LifelineEvents[K]) => void> } = {
    vaultChanged: new Set(),
    keysChanged: new Set(),
    promptsChanged: new Set(),
  };
  answered: Array<[string, unknown]> = [];

  async getVaultStatus(): Promise<Result<VaultStatus>> {
    return { ok: true, value: this.vault };
  }
  async initializeVault(): Promise<Result<VaultStatus>> {
    return { ok: false, code: 'CONFLICT', message: 'Already set up.' };
  }
  async unlockVault(passphrase: string | null): Promise<Result<VaultStatus>> {
    if (passphrase !== 'right passphrase') return { ok: false, code: 'WRONG_PASSPHRASE', message: 'Wrong.' };
    this.vault = { ...this.vault, state: 'unlocked' };
    return { ok: true, value: this.vault };
  }
  async lockVault(): Promise<Result<VaultStatus>> {
    this.vault = { ...this.vault, state: 'locked' };
    return { ok: true, value: this.vault };
  }
  async changeVaultPassphrase(): Promise<Result<VaultStatus>> {
    return { ok: true, value: this.vault };
  }
  onVaultChanged(listener: (status: VaultStatus) => void): Unsubscribe {
    this.eventListeners.vaultChanged.add(listener);
    return () => this.eventListeners.vaultChanged.delete(listener);
  }
  async listKeys(): Promise<Result<KeyInfo[]>> {
    return { ok: true, value: [...this.keys] };
  }
  async generateKey(input: { name: string }): Promise<Result<KeyInfo>> {
    const key: KeyInfo = { id: `k${this.nextId++}`, name: input.name, type: 'ssh-ed25519', bits: 256, comment: '', fingerprint: 'SHA256:x', publicKey: 'ssh-ed25519 AAAA', createdAt: 'now' };
    this.keys.push(key);
    return { ok: true, value: key };
  }
  async importKey(): Promise<Result<KeyInfo>> {
    return { ok: false, code: 'PASSPHRASE_REQUIRED', message: 'Encrypted.' };
  }
  async deleteKey(id: string): Promise<Result<{ id: string }>> {
    this.keys = this.keys.filter((key) => key.id !== id);
    return { ok: true, value: { id } };
  }
  onKeysChanged(listener: (keys: KeyInfo[]) => void): Unsubscribe {
    this.eventListeners.keysChanged.add(listener);
    return () => this.eventListeners.keysChanged.delete(listener);
  }
  async setServerPassword(serverId: string, password: string | null): Promise<Result<{ serverId: string; saved: boolean }>> {
    return { ok: true, value: { serverId, saved: password !== null } };
  }
  async answerPrompt(id: string, answer: unknown): Promise<Result<{ id: string }>> {
    this.answered.push([id, answer]);
    return id === 'gone' ? { ok: false, code: 'NOT_FOUND', message: 'Answered elsewhere.' } : { ok: true, value: { id } };
  }
  onPromptsChanged(listener: (prompts: PendingPrompt[]) => void): Unsubscribe {
    this.eventListeners.promptsChanged.add(listener);
    return () => this.eventListeners.promptsChanged.delete(listener);
  }
  async listTrustedHostKeys(): Promise<Result<never[]>> {
    return { ok: true, value: [] };
  }
  async forgetTrustedHostKey(): Promise<Result<{ forgotten: number }>> {
    return { ok: true, value: { forgotten: 0 } };
  }
  async installKey(): Promise<Result<{ alreadyInstalled: boolean }>> {
    return { ok: true, value: { alreadyInstalled: false } };
  }

  // Terminals: their states only; byte streams are the e2e test's part.
  terminals: TerminalInfo[] = [];
  readonly terminalListeners = new Set<(terminals: TerminalInfo[]) => void>();
  async openTerminal(input: OpenTerminalInput): Promise<Result<TerminalInfo>> {
    const terminal: TerminalInfo = { id: `t${this.nextId++}`, serverId: input.serverId, title: input.serverId, state: 'connecting', message: null, retryAt: null, tmuxSession: input.tmuxSession ?? null, cols: input.cols, rows: input.rows };
    this.terminals.push(terminal);
    return { ok: true, value: terminal };
  }
  async listTerminals(): Promise<Result<TerminalInfo[]>> {
    return { ok: true, value: [...this.terminals] };
  }
  async resizeTerminal(id: string): Promise<Result<TerminalInfo>> {
    return { ok: false, code: 'NOT_FOUND', message: `No terminal ${id}.` };
  }
  async reconnectTerminal(id: string): Promise<Result<TerminalInfo>> {
    return { ok: false, code: 'NOT_FOUND', message: `No terminal ${id}.` };
  }
  async closeTerminal(id: string): Promise<Result<{ id: string }>> {
    this.terminals = this.terminals.filter((terminal) => terminal.id !== id);
    return { ok: true, value: { id } };
  }
  async listTmuxSessions(): Promise<Result<TmuxSessionInfo[]>> {
    return { ok: true, value: [] };
  }
  onTerminalsChanged(listener: (terminals: TerminalInfo[]) => void): Unsubscribe {
    this.terminalListeners.add(listener);
    return () => this.terminalListeners.delete(listener);
  }
  attachTerminal(): TerminalAttachment {
    throw new Error('The store never attaches terminals: the Terminals page does.');
  }

  // Links and the command panel: the store does not use them yet; the contract is complete all the same.
  async setAgentToken(serverId: string, token: string | null): Promise<Result<{ serverId: string; saved: boolean }>> {
    return { ok: true, value: { serverId, saved: token !== null } };
  }
  async listLinks(): Promise<Result<LinkStatus[]>> {
    return { ok: true, value: [] };
  }
  async linkSamples(): Promise<Result<LinkSamplePoint[]>> {
    return { ok: true, value: [] };
  }
  async probeLinks(): Promise<Result<LinkStatus[]>> {
    return { ok: true, value: [] };
  }
  onLinksChanged(): Unsubscribe {
    return () => undefined;
  }
  savedCommands: SavedCommand[] = [];
  async listSavedCommands(): Promise<Result<SavedCommand[]>> {
    return { ok: true, value: [...this.savedCommands] };
  }
  async saveCommand(input: SavedCommandInput): Promise<Result<SavedCommand>> {
    const command: SavedCommand = {
      id: input.id ?? `c${this.nextId++}`,
      name: input.name,
      argv: input.argv ?? null,
      script: input.script ?? null,
      target: { ...input.target, name: 'target' },
      dangerous: input.dangerous ?? false,
      createdAt: 'now',
      updatedAt: 'now',
    };
    this.savedCommands = [...this.savedCommands.filter((saved) => saved.id !== command.id), command];
    return { ok: true, value: command };
  }
  async deleteSavedCommand(id: string): Promise<Result<{ id: string }>> {
    this.savedCommands = this.savedCommands.filter((saved) => saved.id !== id);
    return { ok: true, value: { id } };
  }
  onSavedCommandsChanged(): Unsubscribe {
    return () => undefined;
  }
  async runCommand(): Promise<Result<CommandRunInfo>> {
    return { ok: true, value: { runId: `r${this.nextId++}`, servers: [] } };
  }
  async retryCommandRun(runId: string): Promise<Result<CommandRunInfo>> {
    return { ok: false, code: 'NOT_FOUND', message: `No run ${runId}.` };
  }
  onCommandRun(): Unsubscribe {
    return () => undefined;
  }
  async recentCommands(): Promise<Result<CommandRecordInfo[]>> {
    return { ok: true, value: [] };
  }
}

class ManualConnection implements ConnectionSource {
  readonly listeners = new Set<(state: ConnectionState) => void>();
  constructor(private state: ConnectionState) {}
  current(): ConnectionState {
    return this.state;
  }
  onChange(listener: (state: ConnectionState) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(state: ConnectionState): void {
    this.state = state;
    this.listeners.forEach((listener) => listener(state));
  }
}

const input = (name: string): ServerInput => ({ name, host: `${name}.example.com`, user: 'deploy' });

async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
}

function setup(connection: ConnectionState = 'open') {
  const api = new MemoryApi();
  const bridge = { api, connection: new ManualConnection(connection) };
  const store = createAppStore(bridge);
  return { api, bridge, store };
}

describe('app store', () => {
  it('loads the servers and the app info when started', async () => {
    const { api, bridge, store } = setup();
    await api.createServer(input('web-1'));
    expect(store.getState().serversStatus).toBe('loading');

    const stop = startAppStore(store, bridge);
    await settled();

    expect(store.getState()).toMatchObject({
      serversStatus: 'ready',
      serversError: null,
      appInfo: { version: '9.9.9', dataDir: '/tmp/lifeline-test' },
    });
    expect(store.getState().servers.map((s) => s.name)).toEqual(['web-1']);
    stop();
  });

  it('keeps the load error to show, and a retry clears it', async () => {
    const { api, bridge, store } = setup();
    api.listFailures = ['The database is busy. Try again.'];
    const stop = startAppStore(store, bridge);
    await settled();
    expect(store.getState()).toMatchObject({ serversStatus: 'error', serversError: 'The database is busy. Try again.' });

    await store.getState().loadServers();

    expect(store.getState()).toMatchObject({ serversStatus: 'ready', serversError: null, servers: [] });
    stop();
  });

  it('replaces the list on every serversChanged event and stops listening when stopped', async () => {
    const { api, bridge, store } = setup();
    const stop = startAppStore(store, bridge);
    await settled();

    await api.createServer(input('db-1'));
    api.announce();
    expect(store.getState().servers.map((s) => s.name)).toEqual(['db-1']);

    stop();
    expect(api.listeners.size).toBe(0);
    expect(bridge.connection.listeners.size).toBe(0);
    await api.createServer(input('db-2'));
    api.announce();
    expect(store.getState().servers.map((s) => s.name)).toEqual(['db-1']);
  });

  it('shows the servers an SSH config import created at once, in name order', async () => {
    const { bridge, store } = setup();
    const stop = startAppStore(store, bridge);
    await settled();
    await store.getState().saveServer(null, input('db'));

    const result = await store.getState().importSshConfig({ hosts: ['web', 'db', 'bastion'] });

    expect(result).toMatchObject({ ok: true, value: { notCreated: [{ host: 'db', reason: 'Taken.' }] } });
    expect(store.getState().servers.map((s) => s.name)).toEqual(['bastion', 'db', 'web']);
    stop();
  });

  it('shows a saved server at once, in name order, and leaves the list alone on an error', async () => {
    const { bridge, store } = setup();
    const stop = startAppStore(store, bridge);
    await settled();

    expect(await store.getState().saveServer(null, input('web-2'))).toMatchObject({ ok: true });
    expect(await store.getState().saveServer(null, input('Web-1'))).toMatchObject({ ok: true });
    expect(store.getState().servers.map((s) => s.name)).toEqual(['Web-1', 'web-2']);

    const duplicate = await store.getState().saveServer(null, input('web-2'));
    expect(duplicate).toMatchObject({ ok: false, code: 'DUPLICATE_NAME', fields: { name: 'This name is already used' } });
    expect(store.getState().servers.map((s) => s.name)).toEqual(['Web-1', 'web-2']);

    const [first] = store.getState().servers;
    expect(await store.getState().saveServer(first.id, { ...input('app-1'), port: 2222 })).toMatchObject({ ok: true });
    expect(store.getState().servers.map((s) => [s.name, s.port])).toEqual([
      ['app-1', 2222],
      ['web-2', 22],
    ]);

    expect(await store.getState().deleteServer(first.id)).toEqual({ ok: true, value: { id: first.id } });
    expect(store.getState().servers.map((s) => s.name)).toEqual(['web-2']);
    stop();
  });

  it('follows the connection and reloads after a reconnect, since events sent meanwhile are lost', async () => {
    const { api, bridge, store } = setup('connecting');
    const stop = startAppStore(store, bridge);
    await settled();
    expect(store.getState().connection).toBe('connecting');

    bridge.connection.set('open');
    bridge.connection.set('reconnecting');
    expect(store.getState().connection).toBe('reconnecting');
    await api.createServer(input('missed-1'));
    bridge.connection.set('stopped');
    bridge.connection.set('open');
    await settled();

    expect(store.getState().connection).toBe('open');
    expect(store.getState().servers.map((s) => s.name)).toEqual(['missed-1']);
    stop();
  });

  it('ignores a load answer that is older than the list it would replace', async () => {
    const { api, bridge, store } = setup();
    api.held = [];
    const stop = startAppStore(store, bridge);
    await settled();
    await api.createServer(input('new-1'));
    api.announce();

    api.held.forEach((release) => release());
    await settled();

    expect(store.getState().servers.map((s) => s.name)).toEqual(['new-1']);
    stop();
  });
});

describe('vault, keys and prompts in the store', () => {
  const prompt = (id: string): PendingPrompt => ({ id, kind: 'host-key', serverId: null, host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:f', otherKeys: [] });

  it('loads the vault status and keys, and follows their events until stopped', async () => {
    const { api, bridge, store } = setup();
    await api.generateKey({ name: 'deploy' });
    const stop = startAppStore(store, bridge);
    await settled();
    expect(store.getState()).toMatchObject({ vault: { state: 'locked' }, keysStatus: 'ready' });
    expect(store.getState().keys.map((key) => key.name)).toEqual(['deploy']);

    api.eventListeners.vaultChanged.forEach((listener) => listener({ state: 'unlocked', wrapping: 'passphrase', keychainAvailable: false }));
    api.eventListeners.keysChanged.forEach((listener) => listener([]));
    api.eventListeners.promptsChanged.forEach((listener) => listener([prompt('p1')]));
    expect(store.getState()).toMatchObject({ vault: { state: 'unlocked' }, keys: [], prompts: [{ id: 'p1' }] });

    stop();
    expect(Object.values(api.eventListeners).map((listeners) => listeners.size)).toEqual([0, 0, 0]);
  });

  it('keeps the status on a refused unlock and takes the new one on success', async () => {
    const { bridge, store } = setup();
    const stop = startAppStore(store, bridge);
    await settled();
    expect(await store.getState().unlockVault('wrong')).toMatchObject({ ok: false, code: 'WRONG_PASSPHRASE' });
    expect(store.getState().vault?.state).toBe('locked');
    expect(await store.getState().unlockVault('right passphrase')).toMatchObject({ ok: true });
    expect(store.getState().vault?.state).toBe('unlocked');
    expect((await store.getState().generateKey({ name: 'new' })).ok).toBe(true);
    expect(store.getState().keys.map((key) => key.name)).toEqual(['new']);
    stop();
  });

  it('drops an answered prompt, also one already answered in another window', async () => {
    const { api, bridge, store } = setup();
    const stop = startAppStore(store, bridge);
    await settled();
    store.getState().receivePrompts([prompt('p1'), prompt('gone'), prompt('p3')]);
    await store.getState().answerPrompt('p1', { kind: 'host-key', decision: 'cancel' });
    await store.getState().answerPrompt('gone', { kind: 'host-key', decision: 'once' });
    expect(store.getState().prompts.map((p) => p.id)).toEqual(['p3']);
    expect(api.answered).toEqual([
      ['p1', { kind: 'host-key', decision: 'cancel' }],
      ['gone', { kind: 'host-key', decision: 'once' }],
    ]);
    stop();
  });
});

describe('terminals in the store', () => {
  it('adds an opened terminal as the shown tab, whichever of the answer and the event comes first', async () => {
    const { api, bridge, store } = setup();
    const stop = startAppStore(store, bridge);
    await settled();
    const first = await store.getState().openTerminal({ serverId: 's1', cols: 80, rows: 24 });
    api.terminalListeners.forEach((listener) => listener([...api.terminals]));
    const second = await store.getState().openTerminal({ serverId: 's2', cols: 80, rows: 24 });

    expect(first.ok && second.ok).toBe(true);
    expect(store.getState().terminals.map((terminal) => terminal.serverId)).toEqual(['s1', 's2']);
    expect(store.getState().activeTerminalId).toBe(second.ok ? second.value.id : null);
    stop();
    expect(api.terminalListeners.size).toBe(0);
  });

  it('broadcast turned on with no choice takes every tab, and turns itself off when its tabs are gone', async () => {
    const { store } = setup();
    const state = () => store.getState();
    await state().openTerminal({ serverId: 's1', cols: 80, rows: 24 });
    await state().openTerminal({ serverId: 's2', cols: 80, rows: 24 });
    const [a, b] = state().terminals.map((terminal) => terminal.id);

    state().setBroadcast(true);
    expect(state().broadcast).toEqual({ on: true, targets: [a, b] });
    state().toggleBroadcastTarget(a);
    expect(state().broadcast).toEqual({ on: true, targets: [b] });

    await state().closeTerminal(b);
    expect(state().broadcast).toEqual({ on: false, targets: [] });
    expect(state().activeTerminalId).toBe(a);
  });

  it('remembers why a tab lost its stream until it is attached again or closed', async () => {
    const { store } = setup();
    const state = () => store.getState();
    await state().openTerminal({ serverId: 's1', cols: 80, rows: 24 });
    const [id] = state().terminals.map((terminal) => terminal.id);

    state().markDetached(id, 'Another window took this terminal over.');
    expect(state().detached).toEqual({ [id]: 'Another window took this terminal over.' });
    state().markDetached(id, null);
    expect(state().detached).toEqual({});
    state().markDetached(id, 'gone');
    state().receiveTerminals([]);
    expect(state().detached).toEqual({});
    expect(state().activeTerminalId).toBeNull();
  });
});

describe('pageFromHash', () => {
  it('reads the page from the hash and falls back to servers', () => {
    expect(['#/links', '#agents', '', '#/', '#/nope', '#/dashboard'].map(pageFromHash)).toEqual([
      'links',
      'agents',
      'servers',
      'servers',
      'servers',
      'dashboard',
    ]);
  });
});
