import { join } from 'node:path';
import { app, dialog, type BrowserWindow } from 'electron';
import { resolveDataDir } from '../../agent/data-dir';
import { StoreError } from '../../agent/store/sqlite';
import { openServices, type MainServices } from '../services';
import type { KeyWrapper } from '../vault';
import { APP_START_URL } from './app-url';
import { createIpcTransport, type IpcTransport } from './ipc';
import { openKeychain } from './keychain';
import { registerAppScheme, serveRenderer } from './protocol';
import { createMainWindow } from './window';

export interface DesktopPaths {
  /** The built preload script (out/preload/index.js). */
  preloadPath: string;
  /** The built renderer folder (out/renderer). */
  rendererDir: string;
}

/** Exit code when the database is refused; the CLI and scripts can tell it from a crash. */
export const EXIT_DATABASE_REFUSED = 2;

/**
 * The desktop app's lifetime: one instance per user, the shared data folder, the services, the
 * renderer's scheme, the IPC transport and the window; all of it closed again on quit.
 */
export function startDesktop(paths: DesktopPaths): void {
  // Both are accepted only before 'ready'. enableSandbox also covers renderers not made by
  // createMainWindow (devtools extensions, anything a future option might open).
  app.enableSandbox();
  registerAppScheme();
  if (!app.requestSingleInstanceLock()) {
    // The first instance gets 'second-instance' and comes to the front.
    app.quit();
    return;
  }

  // Desktop and web console share one folder, so both see the same servers; Chromium's own caches and
  // storage go to a subfolder instead of sitting next to lifeline.db.
  const dataDir = resolveDataDir();
  app.setPath('userData', dataDir);
  app.setPath('sessionData', join(dataDir, 'electron'));
  // Opened once the app is ready: only then can Electron tell which keyring would protect the vault.
  let services: MainServices | null = null;
  let ipc: IpcTransport | null = null;
  let renderer: { dispose(): void } | null = null;
  let window: BrowserWindow | null = null;

  const openWindow = () => {
    if (ipc === null) return;
    const created = createMainWindow({ preloadPath: paths.preloadPath });
    ipc.attach(created.webContents);
    created.on('closed', () => {
      if (window === created) window = null;
    });
    created.loadURL(APP_START_URL).catch((error: unknown) => {
      console.error(`lifeline: could not load ${APP_START_URL}:`, error);
    });
    window = created;
  };

  app.on('second-instance', () => {
    if (window === null) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  // macOS keeps apps running without windows and reopens one from the dock ('activate').
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && window === null) openWindow();
  });
  app.once('will-quit', (event) => {
    ipc?.dispose();
    renderer?.dispose();
    if (services === null) return;
    // Terminals end their SSH sessions before the database closes; quitting resumes once they have.
    event.preventDefault();
    const closing = services;
    services = null;
    void closing.close().finally(() => app.quit());
  });

  app
    .whenReady()
    .then(async () => {
      const keychain = await openKeychain();
      if (!keychain.available) console.warn(`lifeline: ${keychain.reason}`);
      services = openOrExplain(dataDir, keychain.available ? keychain.wrapper : undefined);
      if (services === null) return;
      ipc = createIpcTransport(services.service);
      renderer = serveRenderer(paths.rendererDir);
      openWindow();
    })
    .catch((error: unknown) => {
      console.error('lifeline: the desktop app failed to start:', error);
      dialog.showErrorBox('Lifeline could not start', `${String(error)}\n\nThis is a bug in Lifeline; the details are in the log.`);
      app.exit(1);
    });
}

// A refused database is the user's to fix (the message says how); Lifeline quits without touching it.
function openOrExplain(dataDir: string, keychain: KeyWrapper | undefined): MainServices | null {
  try {
    return openServices({ dataDir, mode: 'desktop', keychain });
  } catch (error) {
    if (error instanceof StoreError) {
      console.error(`lifeline: ${error.message}`);
      dialog.showErrorBox('Lifeline cannot open its database', error.message);
      app.exit(EXIT_DATABASE_REFUSED);
    } else {
      console.error('lifeline: opening the data folder failed:', error);
      dialog.showErrorBox('Lifeline could not start', `Opening ${dataDir} failed: ${String(error)}\n\nThe details are in the log.`);
      app.exit(1);
    }
    return null;
  }
}
