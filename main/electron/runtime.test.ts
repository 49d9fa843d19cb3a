import type { ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findElectronRuntime, launchDesktop } from './runtime';

// Temp folders imitate what `npm install electron` leaves behind, with and without the downloaded
// runtime; the real file system is used throughout.

let root: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lifeline-runtime-'));
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** An app folder with node_modules/electron as npm installs it; returns the app folder. */
function installElectronPackage(layout: { pathTxt?: string; distFiles?: string[] }): string {
  const app = join(root, 'app');
  const pkg = join(app, 'node_modules', 'electron');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'electron', version: '45.4.1', main: 'index.js' }));
  // Executing this would start the download; the lookup must never run it.
  writeFileSync(join(pkg, 'index.js'), `require('node:fs').writeFileSync(${JSON.stringify(join(root, 'index-was-run'))}, '');`);
  if (layout.pathTxt !== undefined) writeFileSync(join(pkg, 'path.txt'), layout.pathTxt);
  for (const file of layout.distFiles ?? []) {
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'dist', file), '');
  }
  return app;
}

describe('findElectronRuntime', () => {
  it('finds the executable that path.txt names inside dist/', () => {
    const app = installElectronPackage({ pathTxt: 'electron', distFiles: ['electron'] });
    expect(findElectronRuntime({ from: app, env: {}, platform: 'linux' })).toEqual({
      ok: true,
      executable: join(app, 'node_modules', 'electron', 'dist', 'electron'),
    });
    expect(existsSync(join(root, 'index-was-run'))).toBe(false);
  });

  it('resolves the package from a subfolder of the app, as the built CLI does from out/main', () => {
    const app = installElectronPackage({ pathTxt: 'electron', distFiles: ['electron'] });
    mkdirSync(join(app, 'out', 'main'), { recursive: true });
    expect(findElectronRuntime({ from: join(app, 'out', 'main'), env: {}, platform: 'linux' }).ok).toBe(true);
  });

  it('says the runtime was never downloaded when dist/ is missing', () => {
    const app = installElectronPackage({});
    const found = findElectronRuntime({ from: app, env: {}, platform: 'linux' });
    expect(found).toEqual({
      ok: false,
      reason: `the electron package is installed but its runtime was never downloaded (${join(app, 'node_modules', 'electron', 'dist')} is missing)`,
    });
    expect(existsSync(join(root, 'index-was-run'))).toBe(false);
  });

  it('says the download did not finish when path.txt is missing', () => {
    const app = installElectronPackage({ distFiles: ['electron'] });
    const found = findElectronRuntime({ from: app, env: {}, platform: 'linux' });
    expect(found.ok).toBe(false);
    if (!found.ok) expect(found.reason).toMatch(/download did not finish .*path\.txt is missing/);
  });

  it('says which file is missing when path.txt names an executable that is not there', () => {
    const app = installElectronPackage({ pathTxt: 'electron', distFiles: ['version'] });
    const found = findElectronRuntime({ from: app, env: {}, platform: 'linux' });
    expect(found.ok).toBe(false);
    if (!found.ok) expect(found.reason).toContain(`${join(app, 'node_modules', 'electron', 'dist', 'electron')}, which does not exist`);
  });

  it('says the package is not installed when there is none', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(findElectronRuntime({ from: empty, env: {}, platform: 'linux' })).toEqual({
      ok: false,
      reason: 'the electron package is not installed (run npm install)',
    });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH, with or without path.txt', () => {
    const app = installElectronPackage({});
    const override = join(root, 'electron-dist');
    mkdirSync(override);
    writeFileSync(join(override, 'electron'), '');

    expect(findElectronRuntime({ from: app, env: { ELECTRON_OVERRIDE_DIST_PATH: override }, platform: 'linux' })).toEqual({
      ok: true,
      executable: join(override, 'electron'),
    });

    const missing = findElectronRuntime({ from: app, env: { ELECTRON_OVERRIDE_DIST_PATH: join(root, 'nowhere') }, platform: 'linux' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.reason).toMatch(/^ELECTRON_OVERRIDE_DIST_PATH points at .*nowhere.*, which does not exist$/);
  });

  it('uses the platform executable name when the override has no path.txt to follow', () => {
    const app = installElectronPackage({});
    const override = join(root, 'electron-dist');
    mkdirSync(override);
    writeFileSync(join(override, 'electron.exe'), '');
    const found = findElectronRuntime({ from: app, env: { ELECTRON_OVERRIDE_DIST_PATH: override }, platform: 'win32' });
    expect(found).toEqual({ ok: true, executable: join(override, 'electron.exe') });
  });
});

describe('launchDesktop', () => {
  // Node itself stands in for the Electron executable: `node <appDir> ...args` runs the "app" script
  // with the same argv shape Electron gets.
  function writeApp(source: string): string {
    const script = join(root, 'app.cjs');
    writeFileSync(script, source);
    return script;
  }

  it('passes the app folder and arguments as argv, untouched by any shell', async () => {
    const report = join(root, 'argv.json');
    const app = writeApp(
      `require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ argv: process.argv.slice(2), runAsNode: process.env.ELECTRON_RUN_AS_NODE ?? null }));`,
    );
    const args = ['--flag', 'two words', `$(touch ${join(root, 'pwned')})`, '; echo hi', "'quoted'"];
    const previous = process.env.ELECTRON_RUN_AS_NODE;
    process.env.ELECTRON_RUN_AS_NODE = '1';
    let child: ChildProcess;
    try {
      child = launchDesktop(process.execPath, app, args, new EventEmitter());
    } finally {
      if (previous === undefined) delete process.env.ELECTRON_RUN_AS_NODE;
      else process.env.ELECTRON_RUN_AS_NODE = previous;
    }
    children.push(child);
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({ argv: args, runAsNode: null });
    expect(existsSync(join(root, 'pwned'))).toBe(false);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('forwards %s to the app and stops listening once it exits', async (signal) => {
    const app = writeApp('setInterval(() => {}, 1000);');
    const signals = new EventEmitter();
    const child = launchDesktop(process.execPath, app, [], signals);
    children.push(child);
    expect(signals.listenerCount('SIGINT')).toBe(1);
    expect(signals.listenerCount('SIGTERM')).toBe(1);

    signals.emit(signal);
    const [code, killedBy] = await once(child, 'exit');
    expect([code, killedBy]).toEqual([null, signal]);
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('stops listening for signals when the executable cannot be started', async () => {
    const signals = new EventEmitter();
    const child = launchDesktop(join(root, 'no-such-electron'), root, [], signals);
    children.push(child);
    const [error] = await once(child, 'error');
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });
});
