import { BrowserWindow, shell, type Session, type WebContents } from 'electron';
import { isAppUrl, isExternalLinkAllowed } from './app-url';

export interface MainWindowOptions {
  /** Absolute path of the built preload script (out/preload/index.js). */
  preloadPath: string;
}

/**
 * The one way the app creates a window. Everything the renderer could use to escape is off, and the
 * page can neither navigate away from the app, open windows, attach webviews nor be granted permissions.
 * The caller loads APP_START_URL into it and attaches the IPC transport to its webContents.
 */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    title: 'Lifeline',
    // Matches the dark theme, so no white flash before the first paint; shown once painted.
    backgroundColor: '#111318',
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      // Middle-click would otherwise ask for a new window; the open handler denies it anyway, this
      // stops the request being made at all.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  guardContents(window.webContents);
  denyPermissions(window.webContents.session);
  window.once('ready-to-show', () => window.show());
  return window;
}

function guardContents(contents: WebContents): void {
  const stayInApp = (event: { url: string; preventDefault(): void }) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    console.warn(`lifeline: blocked navigation to ${truncate(event.url)}`);
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);

  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLinkAllowed(url)) {
      shell.openExternal(url).catch((error: unknown) => {
        console.warn(`lifeline: could not open ${truncate(url)} in the browser:`, error);
      });
    } else {
      console.warn(`lifeline: blocked a new window for ${truncate(url)}`);
    }
    return { action: 'deny' };
  });

  // webviewTag is off already; this also stops a webview that some future option might re-enable.
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function denyPermissions(session: Session): void {
  // Lifeline's UI needs no camera, notifications, clipboard reads or any other web permission.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

// A page controls the URLs it asks for; keep log lines short whatever it sends.
function truncate(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}
