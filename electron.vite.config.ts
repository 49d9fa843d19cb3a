import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// Explicit entries: electron-vite's defaults assume src/main, src/preload and src/renderer.
// main/electron/index.ts is Electron's main process; main/cli.ts is the `lifeline` command, which runs
// under plain Node (web console, agent) and starts Electron only when a runtime exists.
export default defineConfig({
  main: {
    build: {
      outDir: resolve(__dirname, 'out/main'),
      rolldownOptions: {
        input: {
          electron: resolve(__dirname, 'main/electron/index.ts'),
          cli: resolve(__dirname, 'main/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(__dirname, 'out/preload'),
      rolldownOptions: { input: { index: resolve(__dirname, 'preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      minify: true,
      rolldownOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
