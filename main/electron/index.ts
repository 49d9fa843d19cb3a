// Electron's main process entry, built to out/main/electron.js. The preload is built to
// out/preload/index.js and the renderer to out/renderer/ (electron.vite.config.ts), so both are found
// from this file's own folder, wherever the app is installed.
import { join } from 'node:path';
import { startDesktop } from './desktop';

startDesktop({
  preloadPath: join(__dirname, '../preload/index.js'),
  rendererDir: join(__dirname, '../renderer'),
});
