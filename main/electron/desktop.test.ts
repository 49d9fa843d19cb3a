import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_START_URL } from './app-url';
import { EXIT_DATABASE_REFUSED, startDesktop } from './desktop';
import { FakeBrowserWindow, fakeElectron, resetFakeElectron } from './fake-electron';

// The Electron runtime binary cannot be downloaded here, so 'electron' is replaced by a recording fake
// that the tests drive through the app's lifetime. The data folder and its SQLite database are real.
vi.mock('electron', () => import('./fake-electron').then((m) => m.fakeElectron));

const paths = { preloadPath: '/app/out/preload/index.js', rendererDir: '/app/out/renderer' };
let dataDir: string;
let previousHome: string | undefined;

beforeEach(() => {
  resetFakeElectron();
  dataDir = mkdtempSync(join(tmpdir(), 'lifeline-desktop-'));
  previousHome = process.env.LIFELINE_HOME;
  process.env.LIFELINE_HOME = dataDir;
  vi.spyOn(console, 'error').mockImplementation(() => {});
  // Says the keychain is missing, which it is here.
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

afterEach(async () => {
  // Whatever a test left open is closed the way Electron would close it.
  await willQuit();
  if (previousHome === undefined) delete process.env.LIFELINE_HOME;
  else process.env.LIFELINE_HOME = previousHome;
  rmSync(dataDir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Quitting as Electron does: 'will-quit'; a listener that delays it (preventDefault) calls app.quit() once done. */
async function willQuit(): Promise<void> {
  let prevented = false;
  const quits = fakeElectron.app.quitCalls;
  fakeElectron.app.emit('will-quit', { preventDefault: () => (prevented = true) });
  if (prevented) await vi.waitFor(() => expect(fakeElectron.app.quitCalls).toBe(quits + 1));
}

async function startAndBecomeReady(): Promise<FakeBrowserWindow> {
  startDesktop(paths);
  fakeElectron.app.becomeReady();
  await settle();
  const window = FakeBrowserWindow.created.at(-1);
  if (!window) throw new Error('no window was created');
  return window;
}

describe('startDesktop', () => {
  it('stores data in the shared data folder and opens one window on the app scheme', async () => {
    const window = await startAndBecomeReady();

    expect(fakeElectron.app.sandboxed).toBe(true);
    expect(fakeElectron.app.paths.get('userData')).toBe(dataDir);
    expect(fakeElectron.protocol.privileged.map((s) => s.scheme)).toEqual(['lifeline']);
    expect(fakeElectron.protocol.handlers.has('lifeline')).toBe(true);
    expect(FakeBrowserWindow.created).toHaveLength(1);
    expect(window.options.webPreferences).toMatchObject({ preload: paths.preloadPath, sandbox: true, contextIsolation: true });
    expect(window.loadedUrls).toEqual([APP_START_URL]);
    expect(existsSync(join(dataDir, 'lifeline.db'))).toBe(true);
  });

  it('answers IPC from its window with the real services', async () => {
    const window = await startAndBecomeReady();
    const sender = { contents: window.webContents, frame: window.webContents.mainFrame };
    const created = await fakeElectron.ipcMain.invoke('lifeline:createServer', sender, { name: 'db-1', host: '10.0.0.5', user: 'root' });
    expect(created).toMatchObject({ ok: true, value: { name: 'db-1', host: '10.0.0.5' } });
    expect(window.webContents.sent.map((m) => m.channel)).toEqual(['lifeline:event:serversChanged']);
  });

  it('opens the vault after ready, offering a passphrase only when no keyring can protect it', async () => {
    const window = await startAndBecomeReady();
    const sender = { contents: window.webContents, frame: window.webContents.mainFrame };
    const status = await fakeElectron.ipcMain.invoke('lifeline:getVaultStatus', sender);
    expect(status).toEqual({ ok: true, value: { state: 'uninitialized', wrapping: null, keychainAvailable: false } });
    const refused = await fakeElectron.ipcMain.invoke('lifeline:initializeVault', sender, { keychain: true });
    expect(refused).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('passphrase') });
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('keychain is not available'));
  });

  it('brings its window forward when a second instance starts', async () => {
    const window = await startAndBecomeReady();
    window.minimized = true;
    fakeElectron.app.emit('second-instance', {}, [], '/');
    expect(window.minimized).toBe(false);
    expect(window.focused).toBe(true);
  });

  it('quits as the second instance without opening anything', async () => {
    fakeElectron.app.hasLock = false;
    startDesktop(paths);
    fakeElectron.app.becomeReady();
    await settle();
    expect(fakeElectron.app.quitCalls).toBe(1);
    expect(FakeBrowserWindow.created).toHaveLength(0);
    expect(fakeElectron.ipcMain.handlers.size).toBe(0);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('quits when the last window closes (outside macOS) and releases everything on will-quit', async () => {
    const window = await startAndBecomeReady();
    window.close();
    fakeElectron.app.emit('window-all-closed');
    expect(fakeElectron.app.quitCalls).toBe(process.platform === 'darwin' ? 0 : 1);

    await willQuit();
    expect(fakeElectron.ipcMain.handlers.size).toBe(0);
    expect(fakeElectron.protocol.handlers.size).toBe(0);
    // Closing the last connection checkpoints and removes the write-ahead log.
    expect(existsSync(join(dataDir, 'lifeline.db-wal'))).toBe(false);
  });

  it('refuses a damaged database with a dialog and exit code 2, leaving the file as it was', async () => {
    const file = join(dataDir, 'lifeline.db');
    const garbage = Buffer.from('this is not a SQLite database, but it is the user\'s file');
    writeFileSync(file, garbage);

    startDesktop(paths);
    fakeElectron.app.becomeReady();
    await settle();

    expect(fakeElectron.app.exitCodes).toEqual([EXIT_DATABASE_REFUSED]);
    expect(EXIT_DATABASE_REFUSED).toBe(2);
    expect(fakeElectron.dialog.errorBoxes).toHaveLength(1);
    expect(fakeElectron.dialog.errorBoxes[0]?.title).toBe('Lifeline cannot open its database');
    expect(fakeElectron.dialog.errorBoxes[0]?.content).toContain(file);
    expect(FakeBrowserWindow.created).toHaveLength(0);
    expect(fakeElectron.ipcMain.handlers.size).toBe(0);
    expect(readFileSync(file)).toEqual(garbage);
    expect(readdirSync(dataDir)).toEqual(['lifeline.db']);
  });
});
