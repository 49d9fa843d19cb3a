// Runs under plain Node (the `lifeline` CLI), never inside Electron, and must not import 'electron':
// the package's index.js downloads the runtime when it is missing, which fails offline. The same
// lookup is done here by reading the files that index.js reads.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronRuntime = { ok: true; executable: string } | { ok: false; reason: string };

export interface FindRuntimeOptions {
  /** A folder to resolve the electron package from (node_modules lookup walks up from it). */
  from?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** Where electron's install script puts the executable inside dist/, per platform (its path.txt). */
function defaultExecutable(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

/** Finds a runnable Electron executable, or says in one short line why there is none. */
export function findElectronRuntime(options: FindRuntimeOptions = {}): ElectronRuntime {
  const { from = __dirname, env = process.env, platform = process.platform } = options;
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(join(from, 'noop.js')).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run npm install)' };
  }

  const pathFile = join(packageDir, 'path.txt');
  const recorded = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    return executableAt(join(override, recorded || defaultExecutable(platform)), 'ELECTRON_OVERRIDE_DIST_PATH points at');
  }

  const dist = join(packageDir, 'dist');
  if (!existsSync(dist)) {
    return { ok: false, reason: `the electron package is installed but its runtime was never downloaded (${dist} is missing)` };
  }
  if (!recorded) {
    return { ok: false, reason: `the electron runtime download did not finish (${pathFile} is missing or empty)` };
  }
  return executableAt(join(dist, recorded), 'the electron package names');
}

function executableAt(executable: string, source: string): ElectronRuntime {
  try {
    if (statSync(executable).isFile()) return { ok: true, executable };
    return { ok: false, reason: `${source} ${executable}, which is not a file` };
  } catch {
    return { ok: false, reason: `${source} ${executable}, which does not exist` };
  }
}

/** Something that delivers the parent's signals (the process itself, outside tests). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Starts the desktop app: `executable appDir ...args`, an argv array with no shell in between, sharing
 * this terminal. SIGINT and SIGTERM sent to this process are passed on until the app exits.
 */
export function launchDesktop(executable: string, appDir: string, args: string[], signals: SignalSource = process): ChildProcess {
  const env = { ...process.env };
  // Set by some parents (VS Code's terminal, other Electron apps); it would start Electron as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(executable, [appDir, ...args], { stdio: 'inherit', env });
  const forward = FORWARDED.map((signal) => {
    const listener = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    signals.on(signal, listener);
    return () => signals.off(signal, listener);
  });
  const stopForwarding = () => forward.forEach((stop) => stop());
  child.once('exit', stopForwarding);
  // A spawn failure (ENOENT, EACCES) emits 'error' and never 'exit'.
  child.once('error', stopForwarding);
  return child;
}
