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
};

const EVENTS = { onServersChanged: 'serversChanged', onVaultChanged: 'vaultChanged', onKeysChanged: 'keysChanged', onPromptsChanged: 'promptsChanged' } as const;

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
    expect(Object.keys(api).sort()).toEqual([...requestNames, ...Object.keys(EVENTS)].sort());
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
});
