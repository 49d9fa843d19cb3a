// The bridge between the sandboxed page and the main process. A sandboxed preload is CommonJS and can
// require nothing but 'electron', so only types come from elsewhere and the channel names are spelled
// here as in main/electron/ipc.ts. The page gets one function per contract method and nothing that
// could reach another channel.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { LifelineApi, LifelineEvents, RequestName, Result, TerminalAttachment, TerminalClientMessage, TerminalHandlers } from './api';

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

// The port as the preload sees it: the DOM's MessagePort, which this Node-typed tsconfig does not know.
interface TerminalPort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: TerminalClientMessage): void;
  close(): void;
}

// As spelled in main/electron/terminal-ports.ts.
const ATTACH_TERMINAL_CHANNEL = 'lifeline:attachTerminal';
const TERMINAL_PORT_CHANNEL = 'lifeline:terminalPort';

/** Attachments waiting for their port, by the number main echoes back with it. */
const awaitingPort = new Map<number, (port: TerminalPort) => void>();
let nextAttachment = 0;

ipcRenderer.on(TERMINAL_PORT_CHANNEL, (event: IpcRendererEvent, value: { attachment?: unknown } | null) => {
  const port = event.ports[0] as unknown as TerminalPort | undefined;
  const number = value?.attachment;
  const bind = typeof number === 'number' ? awaitingPort.get(number) : undefined;
  if (!port) return;
  // Its attachment was detached (or refused) before the port came: nobody will use it.
  if (!bind) return port.close();
  awaitingPort.delete(number as number);
  bind(port);
});

/**
 * A terminal's stream over a MessagePort that stays here: the page gets functions, never the port, so
 * it can send nothing but input and acks of this one terminal.
 */
function attachTerminal(id: string, handlers: TerminalHandlers): TerminalAttachment {
  const number = nextAttachment++;
  let port: TerminalPort | undefined;
  let ended = false;
  // Typed before the port arrives (a few ms): sent once it does, in order.
  const early: TerminalClientMessage[] = [];
  const stop = (): void => {
    ended = true;
    awaitingPort.delete(number);
    port?.close();
  };
  const detached = (reason: string): void => {
    if (ended) return;
    stop();
    handlers.onDetach(reason);
  };
  const post = (message: TerminalClientMessage): void => {
    if (ended) return;
    if (port) port.postMessage(message);
    else early.push(message);
  };
  awaitingPort.set(number, (received) => {
    port = received;
    received.onmessage = ({ data }) => {
      if (data instanceof Uint8Array) handlers.onData(data);
      else if (isDetached(data)) detached(data.reason);
    };
    for (const message of early.splice(0)) received.postMessage(message);
  });
  ipcRenderer.invoke(ATTACH_TERMINAL_CHANNEL, id, number).then(
    (result: Result<null>) => {
      if (!result.ok) detached(result.message);
    },
    (error: unknown) => detached(`Lifeline could not attach the terminal (${String(error)}). Reload the window.`),
  );
  return {
    write: (data) => post({ type: 'input', data }),
    ack: (bytes) => post({ type: 'ack', bytes }),
    detach: () => {
      if (!ended) stop();
    },
  };
}

function isDetached(data: unknown): data is { type: 'detached'; reason: string } {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'detached' && typeof (data as { reason?: unknown }).reason === 'string';
}

const api = {
  getAppInfo: () => ipcRenderer.invoke(request('getAppInfo')),
  listServers: () => ipcRenderer.invoke(request('listServers')),
  createServer: (input) => ipcRenderer.invoke(request('createServer'), input),
  updateServer: (id, input) => ipcRenderer.invoke(request('updateServer'), id, input),
  deleteServer: (id) => ipcRenderer.invoke(request('deleteServer'), id),
  previewSshConfigImport: (source) => ipcRenderer.invoke(request('previewSshConfigImport'), source),
  importSshConfig: (input) => ipcRenderer.invoke(request('importSshConfig'), input),
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
  setAgentToken: (serverId, token) => ipcRenderer.invoke(request('setAgentToken'), serverId, token),
  answerPrompt: (id, answer) => ipcRenderer.invoke(request('answerPrompt'), id, answer),
  onPromptsChanged: (listener) => subscribe('promptsChanged', listener),
  listTrustedHostKeys: (serverId) => ipcRenderer.invoke(request('listTrustedHostKeys'), serverId),
  forgetTrustedHostKey: (serverId, keyType) => ipcRenderer.invoke(request('forgetTrustedHostKey'), serverId, keyType),
  installKey: (keyId, serverId) => ipcRenderer.invoke(request('installKey'), keyId, serverId),
  openTerminal: (input) => ipcRenderer.invoke(request('openTerminal'), input),
  listTerminals: () => ipcRenderer.invoke(request('listTerminals')),
  resizeTerminal: (id, cols, rows) => ipcRenderer.invoke(request('resizeTerminal'), id, cols, rows),
  reconnectTerminal: (id) => ipcRenderer.invoke(request('reconnectTerminal'), id),
  closeTerminal: (id) => ipcRenderer.invoke(request('closeTerminal'), id),
  listTmuxSessions: (serverId) => ipcRenderer.invoke(request('listTmuxSessions'), serverId),
  onTerminalsChanged: (listener) => subscribe('terminalsChanged', listener),
  attachTerminal,
  listLinks: () => ipcRenderer.invoke(request('listLinks')),
  linkSamples: (serverId, since) => ipcRenderer.invoke(request('linkSamples'), serverId, since),
  probeLinks: (serverId) => ipcRenderer.invoke(request('probeLinks'), serverId),
  onLinksChanged: (listener) => subscribe('linksChanged', listener),
  listSavedCommands: () => ipcRenderer.invoke(request('listSavedCommands')),
  saveCommand: (input) => ipcRenderer.invoke(request('saveCommand'), input),
  deleteSavedCommand: (id) => ipcRenderer.invoke(request('deleteSavedCommand'), id),
  onSavedCommandsChanged: (listener) => subscribe('savedCommandsChanged', listener),
  runCommand: (input) => ipcRenderer.invoke(request('runCommand'), input),
  retryCommandRun: (runId, serverIds) => ipcRenderer.invoke(request('retryCommandRun'), runId, serverIds),
  onCommandRun: (listener) => subscribe('commandRun', listener),
  recentCommands: (limit) => ipcRenderer.invoke(request('recentCommands'), limit),
} satisfies LifelineApi;

contextBridge.exposeInMainWorld('lifeline', api);
