import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isAppUrl, isExternalLinkAllowed } from './app-url';
import { FakeBrowserWindow, fakeElectron, resetFakeElectron } from './fake-electron';
import { createMainWindow } from './window';

// The Electron runtime binary cannot be downloaded here, so 'electron' is replaced by a recording fake.
vi.mock('electron', () => import('./fake-electron').then((m) => m.fakeElectron));

function navigationEvent(url: string) {
  let prevented = false;
  return {
    url,
    preventDefault: () => {
      prevented = true;
    },
    get prevented() {
      return prevented;
    },
  };
}

function openWindow(): FakeBrowserWindow {
  createMainWindow({ preloadPath: '/app/out/preload/index.js' });
  const window = FakeBrowserWindow.created.at(-1);
  if (!window) throw new Error('createMainWindow did not create a BrowserWindow');
  return window;
}

describe('isAppUrl', () => {
  it('accepts pages of lifeline://app only', () => {
    expect(isAppUrl('lifeline://app/index.html')).toBe(true);
    expect(isAppUrl('lifeline://app/')).toBe(true);
    expect(isAppUrl('lifeline://app.evil.example/index.html')).toBe(false);
    expect(isAppUrl('lifeline://app:8080/index.html')).toBe(false);
    expect(isAppUrl('lifeline://app@evil.example/')).toBe(false);
    expect(isAppUrl('lifeline://other/index.html')).toBe(false);
    expect(isAppUrl('https://app/index.html')).toBe(false);
    expect(isAppUrl('file:///app/out/renderer/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});

describe('isExternalLinkAllowed', () => {
  it('lets only plain https links out to the browser', () => {
    expect(isExternalLinkAllowed('https://github.com/lifeline')).toBe(true);
    expect(isExternalLinkAllowed('http://example.com/')).toBe(false);
    expect(isExternalLinkAllowed('file:///etc/passwd')).toBe(false);
    expect(isExternalLinkAllowed('javascript:alert(1)')).toBe(false);
    expect(isExternalLinkAllowed('smb://server/share')).toBe(false);
    expect(isExternalLinkAllowed('https://user:pw@example.com/')).toBe(false);
    expect(isExternalLinkAllowed('')).toBe(false);
  });
});

describe('createMainWindow', () => {
  beforeEach(() => {
    resetFakeElectron();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => vi.restoreAllMocks());

  it('creates the window with every renderer escape hatch closed', () => {
    const window = openWindow();
    expect(window.options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('prevents navigation and redirects away from the app and allows them within it', () => {
    const { webContents } = openWindow();
    for (const event of ['will-navigate', 'will-redirect']) {
      const foreign = navigationEvent('https://evil.example/phish');
      webContents.emit(event, foreign);
      expect(foreign.prevented, `${event} to a foreign URL`).toBe(true);

      const lookalike = navigationEvent('lifeline://app.evil.example/index.html');
      webContents.emit(event, lookalike);
      expect(lookalike.prevented, `${event} to a look-alike host`).toBe(true);

      const own = navigationEvent('lifeline://app/index.html');
      webContents.emit(event, own);
      expect(own.prevented, `${event} to our own page`).toBe(false);
    }
    expect(console.warn).toHaveBeenCalledWith('lifeline: blocked navigation to https://evil.example/phish');
  });

  it('denies every new window and sends only https links to the system browser', () => {
    const { webContents } = openWindow();
    const open = webContents.windowOpenHandler;
    if (!open) throw new Error('no window open handler was set');

    expect(open({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(open({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(open({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(open({ url: 'lifeline://app/index.html' })).toEqual({ action: 'deny' });
    expect(fakeElectron.shell.opened).toEqual(['https://example.com/docs']);
  });

  it('prevents webviews from attaching', () => {
    const { webContents } = openWindow();
    const attach = navigationEvent('https://evil.example/');
    webContents.emit('will-attach-webview', attach, {}, {});
    expect(attach.prevented).toBe(true);
  });

  it('denies every permission request and check', () => {
    const { session } = openWindow().webContents;
    const request = session.permissionRequestHandler as unknown as (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
    const check = session.permissionCheckHandler as unknown as (contents: unknown, permission: string) => boolean;
    expect(request).toBeTypeOf('function');
    expect(check).toBeTypeOf('function');

    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      const answers: boolean[] = [];
      request(null, permission, (granted) => answers.push(granted));
      expect(answers, permission).toEqual([false]);
      expect(check(null, permission), permission).toBe(false);
    }
  });
});
