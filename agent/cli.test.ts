import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAgentCli } from './cli';
import { fakeIo } from './cli-testing';
import { BridgeClient } from './protocol/client';
import { signBody } from './http/signatures';
import { readAll, startSlowRequest } from './http/testing';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
    expect(out).toContain(`Lifeline agent listening on ${url} (data: ${join(dir, 'data')}, log: ${join(dir, 'data', 'logs', 'agent.log')})`);

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
    expect(out.at(-1)).toBe('Lifeline agent stopped (SIGTERM): open requests finished, running deploys left to resume, database closed.');
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
      `${file}: http2: unknown setting (the settings here are: http, dataDir, shutdownTimeoutSeconds, minFreeDiskBytes, bodyLimitBytes, trustedProxies, apiToken, hooks, sites, queue, bridge, trigger, commands, tmux, logs)`,
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

describe('runAgentCli run-command', () => {
  it('runs a command once per id through the agent database; the same id again prints the recorded result', async () => {
    const config = join(dir, 'agent.yaml');
    writeFileSync(config, 'dataDir: data\n');
    const marker = join(dir, 'ran.txt');
    const run = async () => {
      const { io } = fakeIo();
      let stdout = '';
      const streams = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } };
      const code = await runAgentCli(['run-command', '--config', config, '--id', 'cli-test-0001', '--', 'sh', '-c', 'echo ran >> "$0"; echo hello', marker], { ...io, streams });
      return { code, stdout };
    };
    expect(await run()).toEqual({ code: 0, stdout: 'hello\n' });
    expect(await run()).toEqual({ code: 0, stdout: 'hello\n' });
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
  });
});

describe('runAgentCli init', () => {
  const launcher = ['/usr/bin/node', '/opt/lifeline/bin/lifeline.cjs'];

  it('writes the four files and says what to do next; the agent then starts with the config unedited, bridge and trigger folder included', async () => {
    const target = join(dir, 'etc');
    const { io, out, err } = fakeIo();
    expect(await runAgentCli(['init', '--dir', target], { ...io, launcher })).toBe(0);
    expect(err).toEqual([]);
    expect(out.slice(0, 4)).toEqual([
      `Wrote ${join(target, 'agent.yaml')}: settings with an example site "example" and a GitHub hook "example" (edit the site's repository and steps).`,
      `Wrote ${join(target, 'webhook.secret')}: the webhook secret, readable by its owner only.`,
      `Wrote ${join(target, 'bridge.token')}: the socket bridge's token, readable by its owner only (the desktop needs it).`,
      `Wrote ${join(target, 'lifeline-agent.service')}: a systemd unit.`,
    ]);
    expect(out).toContain(`  Try it:        lifeline agent --config ${join(target, 'agent.yaml')}`);
    expect(statSync(join(target, 'webhook.secret')).mode & 0o777).toBe(0o600);

    const agent = fakeIo();
    const started = agent.listening();
    const exit = runAgentCli(['--config', join(target, 'agent.yaml'), '--port', '0', '--bridge-port', '0'], agent.io);
    const url = await started;
    expect(agent.out).toContain(`Lifeline agent listening on ${url} (data: ${join(target, 'data')}, log: ${join(target, 'data', 'logs', 'agent.log')})`);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    // The bridge is on with the token init wrote, and runs a command; the trigger folder is the agent's alone.
    const bridgeLine = agent.out.find((line) => line.startsWith('Socket bridge on 127.0.0.1:'));
    const bridgePort = Number(/:(\d+)$/.exec(bridgeLine ?? '')?.[1]);
    const client = await BridgeClient.connect({ host: '127.0.0.1', port: bridgePort, token: readFileSync(join(target, 'bridge.token'), 'utf8').trim(), timeoutMs: 10_000 });
    const result = await client.call('run', { commandId: 'init-test-0001', argv: ['echo', 'bridged'] });
    client.close();
    expect(result).toMatchObject({ state: 'finished', exitCode: 0, stdout: 'bridged\n', replayed: false });
    expect(agent.out).toContain(`Trigger folder: ${join(target, 'data', 'trigger')}`);
    expect(statSync(join(target, 'data', 'trigger')).mode & 0o777).toBe(0o700);
    // A push to main, signed with the secret init wrote, is accepted as is: no edits needed.
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { full_name: 'acme/app' }, sender: { login: 'octocat' } });
    const secret = readFileSync(join(target, 'webhook.secret'), 'utf8').trim();
    const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'delivery-1', 'x-hub-signature-256': signBody(secret, body) };
    const delivery = await fetch(`${url}/hooks/example`, { method: 'POST', headers, body });
    expect(delivery.status).toBe(202);
    expect(await delivery.json()).toMatchObject({ status: 'accepted', deliveryId: 'delivery-1', jobId: 1, position: 1 });
    const again = await fetch(`${url}/hooks/example`, { method: 'POST', headers, body });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', deliveryId: 'delivery-1', jobId: 1 });
    agent.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(agent.err).toEqual([]);
  });

  it('refuses to overwrite an existing config, naming it, with exit code 2', async () => {
    writeFileSync(join(dir, 'agent.yaml'), 'http: { port: 9000 }\n');
    const { io, err } = fakeIo();
    expect(await runAgentCli(['init', '--dir', dir], { ...io, launcher })).toBe(2);
    expect(err).toEqual([`lifeline agent init: ${join(dir, 'agent.yaml')} already exists; init never overwrites. Move it away or choose another --dir.`]);
    expect(readFileSync(join(dir, 'agent.yaml'), 'utf8')).toBe('http: { port: 9000 }\n');
    expect(existsSync(join(dir, 'webhook.secret'))).toBe(false);
  });

  it.each([
    [['init'], 'lifeline agent init: say where to write the files with --dir DIR (for example --dir /etc/lifeline).'],
    [['init', '--dir'], 'lifeline agent init: --dir needs a value. Run "lifeline agent --help" for the options.'],
    [['init', '--force'], 'lifeline agent init: unknown option --force. Run "lifeline agent --help" for the options.'],
  ])('refuses %j in one line with exit code 2', async (argv, line) => {
    const { io, err } = fakeIo();
    expect(await runAgentCli(argv, io)).toBe(2);
    expect(err).toEqual([line]);
  });

  it('says so when the folder cannot be written', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const { io, err } = fakeIo();
    expect(await runAgentCli(['init', '--dir', join(file, 'sub')], { ...io, launcher })).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(new RegExp(`^lifeline agent init: could not write into ${join(file, 'sub')} \\(ENOTDIR: .*\\); check that you may write there\\.$`));
  });

  it('prints the help', async () => {
    const { io, out } = fakeIo();
    expect(await runAgentCli(['init', '--help'], io)).toBe(0);
    expect(out[0]).toContain('lifeline agent init --dir DIR');
  });
});
