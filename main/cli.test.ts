import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { version } from '../agent/version';
import { main, type CliIo } from './cli';

// The command line in-process, with its output and signals captured. The web console it starts is the
// real one, on a real port, over a real SQLite file in a temp LIFELINE_HOME.

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new EventEmitter();
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), signals };
  return { io, out, err, signals };
}

async function waitFor<T>(read: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('timed out waiting for the command');
}

let home: string;
const savedEnv = { ...process.env };

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'lifeline-cli-'));
  process.env.LIFELINE_HOME = home;
  // An empty runtime folder: the desktop command must find no Electron, whatever this machine has.
  process.env.ELECTRON_OVERRIDE_DIST_PATH = join(home, 'no-electron');
});

afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(home, { recursive: true, force: true });
});

describe('lifeline command line', () => {
  it('prints its version and help', async () => {
    const v = captureIo();
    expect(await main(['--version'], v.io)).toBe(0);
    expect(v.out).toEqual([version]);
    const h = captureIo();
    expect(await main(['--help'], h.io)).toBe(0);
    expect(h.out.join('\n')).toMatch(/desktop[\s\S]*web[\s\S]*agent[\s\S]*LIFELINE_HOME/);
  });

  it('refuses an unknown command and bad options with exit code 2 and one line', async () => {
    for (const argv of [['deploy'], ['web', '--port', 'eighty'], ['web', '--port', '70000'], ['web', '--tls-cert', 'c.pem'], ['web', '--bogus'], ['agent', '--port', '-3']]) {
      const c = captureIo();
      expect(await main(argv, c.io), argv.join(' ')).toBe(2);
      expect(c.err, argv.join(' ')).toHaveLength(1);
      expect(c.out).toEqual([]);
    }
  });

  it('without an Electron runtime says why in one line and serves the web console until SIGTERM', async () => {
    const c = captureIo();
    const exit = main([], c.io);
    const url = await waitFor(() => c.out.find((line) => line.startsWith('Lifeline web console: '))?.slice(22));
    expect(c.err[0]).toMatch(/^Lifeline: no Electron runtime \(ELECTRON_OVERRIDE_DIST_PATH points at .*\); starting the web console instead\.$/);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);

    const signIn = await fetch(url, { redirect: 'manual' });
    expect(signIn.status).toBe(303);

    c.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    await expect(fetch(new URL('/', url))).rejects.toThrow();
  });

  it('reports an explicitly requested port that is taken, and exits 2', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const c = captureIo();
      expect(await main(['web', '--port', String(port)], c.io)).toBe(2);
      expect(c.err).toEqual([`Lifeline: Port ${port} on 127.0.0.1 is already in use: stop the program using it or pass --port <another> (0 picks a free one).`]);
    } finally {
      blocker.close();
    }
  });

  it('refuses a damaged database with its path and leaves it alone', async () => {
    const file = join(home, 'lifeline.db');
    writeFileSync(file, 'not a database at all');
    const c = captureIo();
    expect(await main(['web', '--port', '0'], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain(`${file} is not a Lifeline database`);
    expect(readFileSync(file, 'utf8')).toBe('not a database at all');
  });
});
