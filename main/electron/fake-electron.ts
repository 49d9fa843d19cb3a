// A stand-in for the parts of the 'electron' module that main/electron/ uses, for unit tests only:
// the Electron runtime binary cannot be downloaded on this machine, so `require('electron')` cannot run.
// Tests install it with `vi.mock('electron', () => import('./fake-electron').then((m) => m.fakeElectron))`
// and inspect what the code under test did to it. Only behaviour the tests rely on is imitated.
import { EventEmitter } from 'node:events';

type Handler = (...args: never[]) => unknown;

export class FakeFrame {
  /** What main posted to this frame with `postMessage`, ports included. */
  readonly posted: Array<{ channel: string; message: unknown; ports: FakeMessagePortMain[] }> = [];

  constructor(public url: string) {}

  postMessage(channel: string, message: unknown, transfer: FakeMessagePortMain[] = []): void {
    this.posted.push({ channel, message, ports: transfer });
  }
}

/**
 * One end of a MessageChannelMain: messages are delivered asynchronously, in order, once the receiving
 * end is started; closing either end emits 'close' on both, as a closed channel does in Electron.
 */
export class FakeMessagePortMain extends EventEmitter {
  other: FakeMessagePortMain | undefined;
  private started = false;
  closed = false;
  private readonly inbox: unknown[] = [];

  postMessage(message: unknown): void {
    const other = this.other;
    if (this.closed || !other || other.closed) return;
    // Structured clone: the receiver gets a copy, as across processes.
    other.inbox.push(structuredClone(message));
    setImmediate(() => other.flush());
  }

  start(): void {
    this.started = true;
    setImmediate(() => this.flush());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    setImmediate(() => {
      this.emit('close');
      if (this.other && !this.other.closed) {
        this.other.closed = true;
        this.other.emit('close');
      }
    });
  }

  private flush(): void {
    if (!this.started) return;
    for (const data of this.inbox.splice(0)) this.emit('message', { data, ports: [] });
  }
}

export class FakeMessageChannelMain {
  readonly port1 = new FakeMessagePortMain();
  readonly port2 = new FakeMessagePortMain();

  constructor() {
    this.port1.other = this.port2;
    this.port2.other = this.port1;
  }
}

export class FakeSession {
  permissionRequestHandler: Handler | null = null;
  permissionCheckHandler: Handler | null = null;

  setPermissionRequestHandler(handler: Handler | null): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: Handler | null): void {
    this.permissionCheckHandler = handler;
  }
}

export class FakeWebContents extends EventEmitter {
  readonly mainFrame: FakeFrame;
  readonly session = new FakeSession();
  readonly sent: Array<{ channel: string; value: unknown }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;

  constructor(url = 'lifeline://app/index.html') {
    super();
    this.mainFrame = new FakeFrame(url);
  }

  send(channel: string, value: unknown): void {
    this.sent.push({ channel, value });
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  /** What Electron does when the window's page goes away. */
  destroy(): void {
    this.emit('destroyed');
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static readonly created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loadedUrls: string[] = [];
  minimized = false;
  focused = false;

  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
    FakeBrowserWindow.created.push(this);
  }

  loadURL(url: string): Promise<void> {
    this.loadedUrls.push(url);
    return Promise.resolve();
  }

  show(): void {}
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  focus(): void {
    this.focused = true;
  }

  /** What Electron does when the user closes the window. */
  close(): void {
    this.webContents.destroy();
    this.emit('closed');
  }
}

class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();

  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    // Electron refuses a second handler for one channel; so does the fake.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** Calls a handler as Electron would for `ipcRenderer.invoke(channel, ...args)` from `sender`. */
  async invoke(channel: string, sender: { contents: FakeWebContents; frame: FakeFrame | null }, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender: sender.contents, senderFrame: sender.frame }, ...args);
  }
}

class FakeProtocol {
  readonly privileged: Array<{ scheme: string; privileges?: Record<string, boolean> }> = [];
  readonly handlers = new Map<string, (request: Request) => Response | Promise<Response>>();

  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges?: Record<string, boolean> }>): void {
    this.privileged.push(...schemes);
  }

  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    if (this.handlers.has(scheme)) throw new Error(`The scheme ${scheme} is already handled`);
    this.handlers.set(scheme, handler);
  }

  unhandle(scheme: string): void {
    this.handlers.delete(scheme);
  }
}

class FakeApp extends EventEmitter {
  hasLock = true;
  ready = false;
  sandboxed = false;
  readonly paths = new Map<string, string>();
  quitCalls = 0;
  readonly exitCodes: number[] = [];
  private readonly readyWaiters: Array<() => void> = [];

  reset(): void {
    this.removeAllListeners();
    this.hasLock = true;
    this.ready = false;
    this.sandboxed = false;
    this.paths.clear();
    this.quitCalls = 0;
    this.exitCodes.length = 0;
    this.readyWaiters.length = 0;
  }

  enableSandbox(): void {
    this.sandboxed = true;
  }
  requestSingleInstanceLock(): boolean {
    return this.hasLock;
  }
  setPath(name: string, path: string): void {
    this.paths.set(name, path);
  }
  isReady(): boolean {
    return this.ready;
  }
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
  }
  /** What Electron does once it has initialised. */
  becomeReady(): void {
    this.ready = true;
    this.readyWaiters.splice(0).forEach((resolve) => resolve());
  }
  quit(): void {
    this.quitCalls += 1;
  }
  exit(code = 0): void {
    this.exitCodes.push(code);
  }
}

/** The renderer side, as a sandboxed preload sees it. */
class FakeIpcRenderer extends EventEmitter {
  readonly invocations: Array<{ channel: string; args: unknown[] }> = [];

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invocations.push({ channel, args });
    return Promise.resolve({ ok: true, value: channel });
  }

  /** What Electron does when main calls `webContents.send(channel, value)`. */
  receive(channel: string, value: unknown): void {
    this.emit(channel, { sender: this, ports: [] }, value);
  }

  /** What Electron does when main posts `value` with ports to this frame (`WebFrameMain.postMessage`). */
  receivePorts(channel: string, value: unknown, ports: unknown[]): void {
    this.emit(channel, { sender: this, ports }, value);
  }

  reset(): void {
    this.removeAllListeners();
    this.invocations.length = 0;
  }
}

export const fakeElectron = {
  app: new FakeApp(),
  BrowserWindow: FakeBrowserWindow,
  MessageChannelMain: FakeMessageChannelMain,
  ipcMain: new FakeIpcMain(),
  protocol: new FakeProtocol(),
  dialog: {
    errorBoxes: [] as Array<{ title: string; content: string }>,
    showErrorBox(title: string, content: string): void {
      fakeElectron.dialog.errorBoxes.push({ title, content });
    },
  },
  // A machine without a keyring, like this one: the desktop protects its vault with a passphrase.
  safeStorage: {
    isAsyncEncryptionAvailable: (): Promise<boolean> => Promise.resolve(false),
    getSelectedStorageBackend: (): string => 'basic_text',
  },
  ipcRenderer: new FakeIpcRenderer(),
  contextBridge: {
    exposed: new Map<string, unknown>(),
    exposeInMainWorld(key: string, api: unknown): void {
      fakeElectron.contextBridge.exposed.set(key, api);
    },
  },
  shell: {
    opened: [] as string[],
    openExternal(url: string): Promise<void> {
      fakeElectron.shell.opened.push(url);
      return Promise.resolve();
    },
  },
};

/** Forgets everything recorded, so each test starts from a fresh "process". */
export function resetFakeElectron(): void {
  fakeElectron.app.reset();
  FakeBrowserWindow.created.length = 0;
  fakeElectron.ipcMain.handlers.clear();
  fakeElectron.protocol.privileged.length = 0;
  fakeElectron.protocol.handlers.clear();
  fakeElectron.dialog.errorBoxes.length = 0;
  fakeElectron.shell.opened.length = 0;
  fakeElectron.ipcRenderer.reset();
  fakeElectron.contextBridge.exposed.clear();
}
