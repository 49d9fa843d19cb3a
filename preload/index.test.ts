import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { requestNames } from '../main/api/requests';
import { fakeElectron } from '../main/electron/fake-electron';
import type { LifelineApi, Server } from './api';

// The Electron runtime binary cannot be downloaded here, so 'electron' is replaced by a recording fake.
vi.mock('electron', () => import('../main/electron/fake-electron').then((m) => m.fakeElectron));

// Sample arguments per method, as the renderer would pass them.
const sampleArgs: Record<string, unknown[]> = {
  getAppInfo: [],
  listServers: [],
  createServer: [{ name: 'web-1', host: 'web-1.example.com', user: 'deploy' }],
  updateServer: ['id-1', { name: 'web-1', host: 'web-1.example.com', user: 'deploy' }],
  deleteServer: ['id-1'],
  previewSshConfigImport: [{ file: '/home/me/.ssh/config' }],
  importSshConfig: [{ file: '~/.ssh/config', hosts: ['web-1', 'bastion'] }],
  getVaultStatus: [],
  initializeVault: [{ passphrase: 'correct horse' }],
  unlockVault: ['correct horse'],
  lockVault: [],
  changeVaultPassphrase: ['correct horse', 'battery staple'],
  listKeys: [],
  generateKey: [{ name: 'deploy', type: 'ed25519' }],
  importKey: [{ name: 'old', text: '-----BEGIN OPENSSH PRIVATE KEY-----', passphrase: 'p' }],
  deleteKey: ['key-1'],
  setServerPassword: ['id-1', 'hunter22'],
  answerPrompt: ['prompt-1', { kind: 'host-key', decision: 'cancel' }],
  listTrustedHostKeys: ['id-1'],
  forgetTrustedHostKey: ['id-1', 'ssh-ed25519'],
  installKey: ['key-1', 'id-1'],
  openTerminal: [{ serverId: 'id-1', cols: 80, rows: 24, tmuxSession: 'main' }],
  listTerminals: [],
  resizeTerminal: ['term-1', 120, 40],
  reconnectTerminal: ['term-1'],
  closeTerminal: ['term-1'],
  listTmuxSessions: ['id-1'],
  setAgentToken: ['id-1', 'agent-token-0123456789abcdef'],
  listLinks: [],
  linkSamples: ['id-1', '2025-01-01T00:00:00.000Z'],
  probeLinks: ['id-1'],
  listSavedCommands: [],
  saveCommand: [{ name: 'uptime', argv: ['uptime'], target: { groupId: 'g-1' }, dangerous: false }],
  deleteSavedCommand: ['cmd-1'],
  runCommand: [{ target: { serverIds: ['id-1', 'id-2'] }, savedCommandId: 'cmd-1', concurrency: 5, confirmDangerous: true }],
  retryCommandRun: ['run-1', ['id-2']],
  recentCommands: [50],
};

const EVENTS = {
  onServersChanged: 'serversChanged',
  onVaultChanged: 'vaultChanged',
  onKeysChanged: 'keysChanged',
  onPromptsChanged: 'promptsChanged',
  onTerminalsChanged: 'terminalsChanged',
  onLinksChanged: 'linksChanged',
  onSavedCommandsChanged: 'savedCommandsChanged',
  onCommandRun: 'commandRun',
} as const;

// The preload runs once per page, as here: importing it exposes the API.
async function loadPreload(): Promise<LifelineApi> {
  await import('./index');
  const api = fakeElectron.contextBridge.exposed.get('lifeline');
  if (!api) throw new Error('the preload exposed nothing as window.lifeline');
  return api as LifelineApi;
}

describe('preload bridge', () => {
  let api: LifelineApi;
  beforeAll(async () => {
    api = await loadPreload();
  });

  it('exposes only window.lifeline, with one function per request method and one per event', () => {
    expect([...fakeElectron.contextBridge.exposed.keys()]).toEqual(['lifeline']);
    expect(Object.keys(api).sort()).toEqual([...requestNames, ...Object.keys(EVENTS), 'attachTerminal'].sort());
    for (const value of Object.values(api)) expect(value).toBeTypeOf('function');
    expect(Object.keys(sampleArgs).sort()).toEqual([...requestNames].sort());
  });

  it('sends each request method to its own channel with its arguments', async () => {
    for (const method of requestNames) {
      const call = api[method] as (...args: unknown[]) => Promise<unknown>;
      const args = sampleArgs[method] ?? [];
      await expect(call(...args)).resolves.toEqual({ ok: true, value: `lifeline:${method}` });
      expect(fakeElectron.ipcRenderer.invocations.at(-1), method).toEqual({ channel: `lifeline:${method}`, args });
    }
    expect(fakeElectron.ipcRenderer.invocations.map((call) => call.channel)).toEqual(requestNames.map((name) => `lifeline:${name}`));
  });

  it('passes event values to the listener without the IPC event, and stops after unsubscribe', () => {
    const received: unknown[][] = [];
    const unsubscribe = api.onServersChanged((...args: unknown[]) => received.push(args));
    const servers = [{ id: 's1', name: 'web-1' }] as unknown as Server[];

    fakeElectron.ipcRenderer.receive('lifeline:event:serversChanged', servers);
    expect(received).toEqual([[servers]]);

    unsubscribe();
    expect(fakeElectron.ipcRenderer.listenerCount('lifeline:event:serversChanged')).toBe(0);
    fakeElectron.ipcRenderer.receive('lifeline:event:serversChanged', []);
    expect(received).toHaveLength(1);
  });

  it('subscribes each event function to its own channel only', () => {
    for (const [method, name] of Object.entries(EVENTS)) {
      const received: unknown[] = [];
      const subscribe = api[method as keyof typeof EVENTS] as (listener: (value: unknown) => void) => () => void;
      const unsubscribe = subscribe((value) => received.push(value));
      for (const other of Object.values(EVENTS)) fakeElectron.ipcRenderer.receive(`lifeline:event:${other}`, other);
      expect(received, method).toEqual([name]);
      unsubscribe();
      expect(fakeElectron.ipcRenderer.listenerCount(`lifeline:event:${name}`), method).toBe(0);
    }
  });

  it('keeps other subscribers when one unsubscribes', () => {
    const first: unknown[] = [];
    const second: unknown[] = [];
    const stopFirst = api.onServersChanged((servers) => first.push(servers));
    api.onServersChanged((servers) => second.push(servers));

    stopFirst();
    fakeElectron.ipcRenderer.receive('lifeline:event:serversChanged', []);
    expect(first).toEqual([]);
    expect(second).toEqual([[]]);
  });

  describe('attachTerminal', () => {
    // Node's MessagePort also has the DOM's `onmessage` (which the preload uses) and structured cloning.
    function attachWithPort(id: string) {
      const data: string[] = [];
      const detached: string[] = [];
      const attachment = api.attachTerminal(id, { onData: (bytes) => data.push(Buffer.from(bytes).toString('utf8')), onDetach: (reason) => detached.push(reason) });
      const invocation = fakeElectron.ipcRenderer.invocations.at(-1)!;
      return { attachment, data, detached, invocation };
    }

    function deliverPort(attachmentNumber: unknown): { main: MessagePort; fromPreload: unknown[] } {
      const { port1: main, port2 } = new MessageChannel();
      const fromPreload: unknown[] = [];
      main.on('message', (value: unknown) => fromPreload.push(value));
      fakeElectron.ipcRenderer.receivePorts('lifeline:terminalPort', { attachment: attachmentNumber }, [port2]);
      return { main, fromPreload };
    }

    it('keeps the port: early input is sent once it arrives, output and detach reach the handlers', async () => {
      const { attachment, data, detached, invocation } = attachWithPort('term-1');
      expect(invocation).toEqual({ channel: 'lifeline:attachTerminal', args: ['term-1', expect.any(Number)] });
      attachment.write('ls\n');
      const { main, fromPreload } = deliverPort(invocation.args[1]);
      try {
        main.postMessage(new Uint8Array(Buffer.from('hello')));
        await vi.waitFor(() => expect(data).toEqual(['hello']));
        attachment.ack(5);
        await vi.waitFor(() => expect(fromPreload).toEqual([{ type: 'input', data: 'ls\n' }, { type: 'ack', bytes: 5 }]));

        main.postMessage({ type: 'detached', reason: 'Another window took over this terminal.' });
        await vi.waitFor(() => expect(detached).toEqual(['Another window took over this terminal.']));
        attachment.write('after detach');
        main.postMessage(new Uint8Array(Buffer.from('late')));
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(fromPreload).toHaveLength(2);
        expect(data).toEqual(['hello']);
      } finally {
        main.close();
      }
    });

    it('detaches with the message of a refused attach, and closes a port nobody waits for', async () => {
      const invoke = vi.spyOn(fakeElectron.ipcRenderer, 'invoke').mockResolvedValueOnce({ ok: false, code: 'NOT_FOUND', message: 'There is no terminal with id "gone".' });
      const { detached } = attachWithPort('gone');
      await vi.waitFor(() => expect(detached).toEqual(['There is no terminal with id "gone".']));
      const [channel, id, attachmentNumber] = invoke.mock.calls.at(-1)!;
      expect([channel, id]).toEqual(['lifeline:attachTerminal', 'gone']);

      // Its port, arriving late, is closed rather than kept.
      const { main } = deliverPort(attachmentNumber);
      const closed = new Promise((resolve) => main.once('close', resolve));
      await closed;
      invoke.mockRestore();
      const stray = deliverPort(12345);
      await new Promise((resolve) => stray.main.once('close', resolve));
    });
  });
});
