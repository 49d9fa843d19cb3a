import { EventEmitter, once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAgentCli } from './cli';
import { readAll, startSlowRequest } from './http/testing';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A terminal and a process for runAgentCli: lines are collected; signals are emitted by the test. */
function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const lines = new EventEmitter();
  const signals = new EventEmitter();
  return {
    out,
    err,
    signals,
    io: {
      out: (line: string) => {
        out.push(line);
        lines.emit('line', line);
      },
      err: (line: string) => err.push(line),
      signals,
    },
    /** Resolves with the URL printed once the agent listens. */
    listening: () =>
      new Promise<string>((resolve) => {
        const check = (line: string) => {
          const url = /^Lifeline agent listening on (http:\/\/\S+) \(data: /.exec(line)?.[1];
          if (url) resolve(url);
        };
        lines.on('line', check);
      }),
  };
}

/**
 * Arguments for an agent with its data in the temp dir, on a free port, and a grace time longer than
 * any test (so a connection left open fails the test instead of being cut).
 */
function agentArgs(...more: string[]): string[] {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, 'dataDir: data\nshutdownTimeoutSeconds: 600\n');
  return ['--config', file, '--port', '0', ...more];
}

describe('runAgentCli', () => {
  it('serves /health until SIGTERM, finishes the request in flight, then closes the database and exits 0', async () => {
    const { io, out, err, signals, listening } = fakeIo();
    const started = listening();
    const exit = runAgentCli(agentArgs(), io);
    const url = await started;
    const database = join(dir, 'data', 'agent.db');
    expect(out).toContain(`Lifeline agent listening on ${url} (data: ${join(dir, 'data')})`);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    // After a read, SQLite keeps the write-ahead log while a connection is open; closing the last one removes it.
    expect(existsSync(`${database}-wal`)).toBe(true);

    const keepAlive = new HttpAgent({ keepAlive: true });
    const inFlight = await startSlowRequest(Number(new URL(url).port), keepAlive);
    signals.emit('SIGTERM');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    inFlight.end('hello');
    const [response] = (await once(inFlight, 'response')) as [IncomingMessage];
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(await readAll(response))).toMatchObject({ status: 'ok' });

    expect(await exit).toBe(0);
    expect(existsSync(`${database}-wal`)).toBe(false);
    expect(out.at(-1)).toBe('Lifeline agent stopped (SIGTERM): open requests finished, database closed.');
    expect(err).toEqual([]);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
    keepAlive.destroy();
  });

  it('warns when listening beyond this machine, and stops on SIGINT', async () => {
    const { io, err, signals, listening } = fakeIo();
    const started = listening();
    const exit = runAgentCli(agentArgs('--host', '0.0.0.0'), io);
    const url = await started;
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(err).toEqual([
      'Warning: the agent listens on 0.0.0.0, so other machines can reach it. Keep it behind a firewall or a TLS proxy, or use --host 127.0.0.1 if only this machine needs it.',
    ]);
    signals.emit('SIGINT');
    expect(await exit).toBe(0);
  });

  it('prints the help', async () => {
    const { io, out } = fakeIo();
    expect(await runAgentCli(['--help'], io)).toBe(0);
    expect(out[0]).toMatch(/^Usage: lifeline agent \[--config FILE\] \[--host H\] \[--port P\]/);
  });

  it.each([
    [['--verbose'], 'lifeline agent: unknown option --verbose. Run "lifeline agent --help" for the options.'],
    [['start'], 'lifeline agent: unexpected argument "start" (the agent takes only options). Run "lifeline agent --help" for the options.'],
    [['--port'], 'lifeline agent: --port needs a value. Run "lifeline agent --help" for the options.'],
    [['--help=yes'], 'lifeline agent: --help takes no value. Run "lifeline agent --help" for the options.'],
  ])('refuses %j in one line with exit code 2', async (argv, line) => {
    const { io, err } = fakeIo();
    expect(await runAgentCli(argv, io)).toBe(2);
    expect(err).toEqual([line]);
  });

  it.each(['abc', '0x50', '', '70000', '-1'])('refuses --port %j with exit code 2', async (port) => {
    const { io, err } = fakeIo();
    expect(await runAgentCli(agentArgs(`--port=${port}`), io)).toBe(2);
    expect(err).toEqual(['command line: --port: must be a whole number between 0 and 65535 (0 picks a free port)']);
  });

  it('prints each configuration problem and exits 2', async () => {
    const { io, err } = fakeIo();
    const file = join(dir, 'agent.json');
    writeFileSync(file, '{ "http": { "port": 99999 }, "http2": {} }');
    expect(await runAgentCli(['--config', file], io)).toBe(2);
    expect(err).toEqual([
      `${file}: http.port: must be a whole number between 1 and 65535`,
      `${file}: http2: unknown setting (the settings here are: http, dataDir, shutdownTimeoutSeconds)`,
    ]);
  });

  it('refuses a damaged database in one line, leaves it alone, and exits 2', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'agent.db'), 'not a database at all');
    const { io, err } = fakeIo();
    expect(await runAgentCli(agentArgs(), io)).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(`${join(data, 'agent.db')} is not a Lifeline agent database`);
    expect(err[0]).not.toMatch(/\n\s+at /);
  });

  it('says the port is taken in one line and exits 2', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const { port } = blocker.address() as AddressInfo;
      const { io, err } = fakeIo();
      expect(await runAgentCli(agentArgs('--port', String(port)), io)).toBe(2);
      expect(err).toEqual([
        `Port ${port} on 127.0.0.1 is already in use: stop the program using it, or start the agent with --port <another>.`,
      ]);
    } finally {
      blocker.close();
    }
  });
});
