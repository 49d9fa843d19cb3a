import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureSelfSignedCert } from '../../../agent/bridge/self-signed';
import { startBridge, TEST_TOKEN, testHandlers, type TestBridge } from '../../../agent/bridge/testing';
import { connectSsh, type SshConnection, type SshHop } from '../../ssh/connect';
import { freeLoopbackPort } from '../../ssh/testing/free-port';
import { makeTestKey, type TestKey } from '../../ssh/testing/keys';
import { startSshd, type TestSshd } from '../../ssh/testing/sshd';
import { trustKeys } from '../../ssh/testing/trust';
import { BridgeAdapter } from './bridge';
import type { LinkTarget } from './layer';

// The bridge layer's routes against OpenSSH's sshd and the agent's real socket bridge, both on loopback.
// A server reached through a jump host is not this machine by the route rule, so its loopback agent
// address is reached only through a tunnel of its SSH connection; sshd's log (DEBUG1) shows each tunnel.

let dir: string;
let key: TestKey;
let sshd: TestSshd;
let local: SshConnection;
let jumped: SshConnection;
const bridges: TestBridge[] = [];
const adapters: BridgeAdapter[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-bridge-forward-'));
  key = await makeTestKey(dir, 'ed25519');
  sshd = await startSshd({ authorizedKeys: [key.publicKey], logLevel: 'DEBUG1' });
  const login: SshHop = { host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key', privateKey: key.privateKey } };
  const { verifyHostKey } = trustKeys(() => sshd.hostKeys);
  local = await connectSsh(login, { verifyHostKey });
  jumped = await connectSsh({ ...login, jump: [login] }, { verifyHostKey });
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) adapter.dispose();
  for (const bridge of bridges.splice(0)) await bridge.server.close(0);
});
afterAll(async () => {
  await jumped?.close();
  await local?.close();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function bridge(options: Parameters<typeof startBridge>[0] = {}): Promise<TestBridge> {
  const started = await startBridge(options, testHandlers());
  bridges.push(started);
  return started;
}

function adapter(): BridgeAdapter {
  const made = new BridgeAdapter({ connectTimeoutMs: 5000, client: 'forward-test' });
  adapters.push(made);
  return made;
}

const target = (connection: SshConnection, port: number, agent: Partial<NonNullable<LinkTarget['agent']>> = {}): LinkTarget => ({
  serverId: 'forward-server',
  agent: { host: '127.0.0.1', port, token: TEST_TOKEN, ...agent },
  ssh: () => Promise.resolve(connection),
  remoteCommand: [],
});
const signal = () => new AbortController().signal;
const tunnelTo = (port: number) => `target 127.0.0.1 port ${port}`;

describe('the bridge layer through an SSH tunnel', () => {
  it('goes direct to a server that is this machine, with no tunnel', async () => {
    const { port } = await bridge();
    const layer = adapter();
    const logStart = sshd.log().length;
    await layer.probe(target(local, port), signal());
    expect(layer.routeOf('forward-server')).toBe('direct');
    expect(sshd.log().slice(logStart)).not.toContain(tunnelTo(port));
  });

  it('reaches a loopback agent address of a server behind a jump host only through the tunnel, and runs commands there', async () => {
    const { port } = await bridge();
    const layer = adapter();
    const logStart = sshd.log().length;
    const live: string[] = [];
    const result = await layer.run(target(jumped, port), { commandId: 'forward-run-001', argv: ['sh', '-c', 'echo through; exit 3'] }, signal(), (stream, text) => live.push(`${stream}:${text}`));
    expect(result).toMatchObject({ commandId: 'forward-run-001', exitCode: 3, stdout: 'through\n' });
    expect(live).toEqual(['stdout:through\n']);
    expect(layer.routeOf('forward-server')).toBe('forward');
    expect(sshd.log().slice(logStart)).toContain(tunnelTo(port));
    // The connection stays open between commands: the next call opens no second tunnel.
    const tunnels = sshd.log().split(tunnelTo(port)).length;
    await layer.probe(target(jumped, port), signal());
    expect(sshd.log().split(tunnelTo(port)).length).toBe(tunnels);
  });

  it('notices at once that the agent went away behind an open tunnel', async () => {
    const agent = await bridge();
    const layer = adapter();
    await layer.probe(target(jumped, agent.port), signal());
    await agent.server.close(0);
    // sshd passes the agent's close on as the channel's end, and an SSH channel stays half open unless the
    // client ends it too: without that, this probe would wait for its time limit (TIMEOUT).
    await expect(layer.probe(target(jumped, agent.port), AbortSignal.timeout(3000))).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });

  it('takes where SSH lands from the server settings when they say it, before any connection is asked', async () => {
    const { port } = await bridge();
    const layer = adapter();
    // The settings name another machine: its loopback is its own, so only the tunnel may reach it.
    await layer.probe({ ...target(local, port), sshDestination: { host: 'db.example.com', jumpHosts: 0 } }, signal());
    expect(layer.routeOf('forward-server')).toBe('forward');
  });

  it('checks the TLS pin inside the tunnel, and refuses a certificate that does not match', async () => {
    const certificate = await ensureSelfSignedCert(dir);
    const { port } = await bridge({ tls: { cert: certificate.cert, key: certificate.key } });
    const pinned = adapter();
    await expect(pinned.probe(target(jumped, port, { tlsFingerprint: certificate.fingerprint }), signal())).resolves.toBeUndefined();
    expect(pinned.routeOf('forward-server')).toBe('forward');
    const wrongPin = target(jumped, port, { tlsFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    await expect(adapter().probe(wrongPin, signal())).rejects.toMatchObject({ code: 'AUTH', message: expect.stringMatching(/through SSH to .*pinned/) });
  });

  it('is UNREACHABLE, naming the tunnel, when nothing listens at the agent address on the server', async () => {
    const port = await freeLoopbackPort();
    await expect(adapter().probe(target(jumped, port), signal())).rejects.toMatchObject({
      layer: 'bridge',
      code: 'UNREACHABLE',
      message: expect.stringContaining(`could not open a tunnel to 127.0.0.1:${port}`),
    });
  });

  it('tries the tunnel when direct cannot connect, and starts with it next time', async () => {
    const port = await freeLoopbackPort();
    const layer = adapter();
    const failed = layer.probe(target(local, port), signal());
    await expect(failed).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('Bridge direct: Nothing listens') });
    await expect(failed).rejects.toMatchObject({ message: expect.stringContaining(`Bridge through SSH to ${local.endpoint}`) });
    expect(layer.routeOf('forward-server')).toBeUndefined();

    // Direct would work now too; the tunnel is tried first because direct is what failed first.
    await bridge({ port });
    const logStart = sshd.log().length;
    await layer.probe(target(local, port), signal());
    expect(layer.routeOf('forward-server')).toBe('forward');
    expect(sshd.log().slice(logStart)).toContain(tunnelTo(port));
  });

  it('does not try the tunnel when the agent answered: a wrong token is AUTH over the direct route alone', async () => {
    const { port } = await bridge();
    const logStart = sshd.log().length;
    await expect(adapter().probe(target(local, port, { token: 'not-the-token-at-all' }), signal())).rejects.toMatchObject({ code: 'AUTH' });
    expect(sshd.log().slice(logStart)).not.toContain(tunnelTo(port));
  });
});

describe('the bridge layer when only the server can reach the agent', () => {
  // A second sshd in a mount namespace whose /etc/hosts names the agent: the name resolves on the
  // "server" and not here, so direct cannot connect and the tunnel can, as between two machines.
  const AGENT_NAME = 'agent.lifeline.test';
  let remote: TestSshd;
  let connection: SshConnection;

  beforeAll(async () => {
    remote = await startSshd({ authorizedKeys: [key.publicKey], hosts: `127.0.0.1 localhost\n127.0.0.1 ${AGENT_NAME}\n` });
    connection = await connectSsh(
      { host: remote.host, port: remote.port, user: remote.user, auth: { kind: 'key', privateKey: key.privateKey } },
      { verifyHostKey: trustKeys(() => remote.hostKeys).verifyHostKey },
    );
  });
  afterAll(async () => {
    await connection?.close();
    await remote?.stop();
  });

  it('falls back to the tunnel when direct cannot resolve the agent, and runs commands there', async () => {
    const { port } = await bridge();
    const layer = adapter();
    const result = await layer.run(target(connection, port, { host: AGENT_NAME }), { commandId: 'forward-run-name', argv: ['echo', 'by name'] }, signal());
    expect(result).toMatchObject({ exitCode: 0, stdout: 'by name\n' });
    expect(layer.routeOf('forward-server')).toBe('forward');
  });
});
