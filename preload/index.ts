// The bridge between the sandboxed page and the main process. A sandboxed preload is CommonJS and can
// require nothing but 'electron', so only types come from elsewhere and the channel names are spelled
// here as in main/electron/ipc.ts. The page gets one function per contract method and nothing that
// could reach another channel.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { LifelineApi, LifelineEvents, RequestName } from './api';

const request = (method: RequestName): `lifeline:${RequestName}` => `lifeline:${method}`;

function subscribe<K extends keyof LifelineEvents>(name: K, listener: (value: LifelineEvents[K]) => void): () => void {
  const channel = `lifeline:event:${name}`;
  // The page never sees the IpcRendererEvent: it carries `sender`, a way back into ipcRenderer.
  const wrapped = (_event: IpcRendererEvent, value: LifelineEvents[K]) => listener(value);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const api = {
  getAppInfo: () => ipcRenderer.invoke(request('getAppInfo')),
  listServers: () => ipcRenderer.invoke(request('listServers')),
  createServer: (input) => ipcRenderer.invoke(request('createServer'), input),
  updateServer: (id, input) => ipcRenderer.invoke(request('updateServer'), id, input),
  deleteServer: (id) => ipcRenderer.invoke(request('deleteServer'), id),
  onServersChanged: (listener) => subscribe('serversChanged', listener),
  getVaultStatus: () => ipcRenderer.invoke(request('getVaultStatus')),
  initializeVault: (input) => ipcRenderer.invoke(request('initializeVault'), input),
  unlockVault: (passphrase) => ipcRenderer.invoke(request('unlockVault'), passphrase),
  lockVault: () => ipcRenderer.invoke(request('lockVault')),
  changeVaultPassphrase: (current, next) => ipcRenderer.invoke(request('changeVaultPassphrase'), current, next),
  onVaultChanged: (listener) => subscribe('vaultChanged', listener),
  listKeys: () => ipcRenderer.invoke(request('listKeys')),
  generateKey: (input) => ipcRenderer.invoke(request('generateKey'), input),
  importKey: (input) => ipcRenderer.invoke(request('importKey'), input),
  deleteKey: (id) => ipcRenderer.invoke(request('deleteKey'), id),
  onKeysChanged: (listener) => subscribe('keysChanged', listener),
  setServerPassword: (serverId, password) => ipcRenderer.invoke(request('setServerPassword'), serverId, password),
  answerPrompt: (id, answer) => ipcRenderer.invoke(request('answerPrompt'), id, answer),
  onPromptsChanged: (listener) => subscribe('promptsChanged', listener),
  listTrustedHostKeys: (serverId) => ipcRenderer.invoke(request('listTrustedHostKeys'), serverId),
  forgetTrustedHostKey: (serverId, keyType) => ipcRenderer.invoke(request('forgetTrustedHostKey'), serverId, keyType),
} satisfies LifelineApi;

contextBridge.exposeInMainWorld('lifeline', api);
