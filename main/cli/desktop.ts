import { findElectronRuntime, launchDesktop } from '../electron/runtime';
import type { AppPaths, CliIo } from './io';
import { runWeb } from './web';

/** `lifeline [desktop]`: the Electron app when a runtime exists, else the web console, saying why. */
export async function runDesktop(argv: string[], io: CliIo, paths: AppPaths): Promise<number> {
  const runtime = findElectronRuntime();
  if (!runtime.ok) {
    io.err(`Lifeline: no Electron runtime (${runtime.reason}); starting the web console instead.`);
    return runWeb([], io, paths);
  }
  const child = launchDesktop(runtime.executable, paths.appDir, argv);
  return new Promise((done) => {
    child.once('error', (error) => {
      io.err(`Lifeline: could not start Electron (${error.message}). Run "npm run web" to use the web console.`);
      done(1);
    });
    child.once('exit', (code, signal) => done(code ?? (signal ? 0 : 1)));
  });
}
