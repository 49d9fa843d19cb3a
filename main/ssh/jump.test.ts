import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshCloseReason, type SshError, type SshHop, type SshTarget } from './connect';
import { freeLoopbackPort } from './testing/free-port';
import { makeTestKey, type TestKey } from './testing/keys';
import { startSshd, type TestSshd } from './testing/sshd';
import { trustKeys } from './testing/trust';

describe('ProxyJump chains through OpenSSH sshd', () => {
  let dir: string;
  let key: TestKey;
  let stranger: TestKey;
  let hop: TestSshd;
  let destination: TestSshd;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-jump-'));
    [key, stranger] = await Promise.all([makeTestKey(dir, 'ed25519'), makeTestKey(dir, 'ed25519', 'id_stranger')]);
    [hop, destination] = await Promise.all([startSshd({ authorizedKeys: [key.publicKey], logLevel: 'DEBUG1' }), startSshd({ authorizedKeys: [key.publicKey] })]);
  });
  afterAll(async () => {
    await hop?.stop();
    await destination?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const server = (sshd: TestSshd, privateKey = key.privateKey): SshHop => ({ host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key', privateKey } });
  const trustBoth = () => trustKeys(() => [...hop.hostKeys, ...destination.hostKeys]);

  it('reaches the destination through a forwarded channel, verifying each host key in order', async () => {
    const verifier = trustBoth();
    const hopLogStart = hop.log().length;
    const connection = await connectSsh({ ...server(destination), jump: [server(hop)] }, { verifyHostKey: verifier.verifyHostKey });
    try {
      const run = await connection.exec(['echo', 'through the hop']);
      let output = '';
      for await (const chunk of run.stdout) output += String(chunk);
      expect(output).toBe('through the hop\n');
    } finally {
      await connection.close();
    }
    expect(verifier.asked.map(({ port, fingerprint }) => ({ port, fingerprint }))).toEqual([
      { port: hop.port, fingerprint: hop.hostKeys[0].fingerprint },
      { port: destination.port, fingerprint: destination.hostKeys[0].fingerprint },
    ]);
    // The hop logged the tunnel to the destination; the destination logged a login that came through it.
    expect(hop.log().slice(hopLogStart)).toContain(`server_request_direct_tcpip: originator 127.0.0.1 port 0, target 127.0.0.1 port ${destination.port}`);
    expect(destination.log()).toContain(`Accepted publickey for ${destination.user}`);
  });

  it('closes the hop when the connection is closed', async () => {
    const connection = await connectSsh({ ...server(destination), jump: [server(hop)] }, { verifyHostKey: trustBoth().verifyHostKey });
    const reasons: SshCloseReason[] = [];
    connection.onClose((reason) => reasons.push(reason));
    const hopLogStart = hop.log().length;
    await connection.close();
    expect(reasons).toEqual([{ kind: 'closed' }]);
    expect(hop.log().slice(hopLogStart)).toMatch(/Disconnected from user|Received disconnect/);
  });

  it('names the hop whose login failed, with the cause', async () => {
    const error = (await connectSsh({ ...server(destination), jump: [server(hop, stranger.privateKey)] }, { verifyHostKey: trustBoth().verifyHostKey }).catch((e: unknown) => e)) as SshError;
    expect(error).toMatchObject({ code: 'JUMP_FAILED', hop: 1, cause: { code: 'AUTH_FAILED' } });
    expect(error.message).toContain(`Jump host 1 of 1 (${hop.user}@${hop.host}:${hop.port}) failed:`);
  });

  it("names the hop whose host key was refused, and never contacts the destination", async () => {
    const destinationLogStart = destination.log().length;
    const verifyHostKey = async () => new Error('not trusted in this test');
    const error = await connectSsh({ ...server(destination), jump: [server(hop)] }, { verifyHostKey }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JUMP_FAILED', hop: 1, cause: { code: 'HOST_KEY' } });
    expect(destination.log().slice(destinationLogStart)).toBe('');
  });

  it('reports a tunnel the hop cannot open as JUMP_FAILED', async () => {
    const closedPort = await freeLoopbackPort();
    const target: SshTarget = { host: '127.0.0.1', port: closedPort, user: 'root', auth: { kind: 'key', privateKey: key.privateKey }, jump: [server(hop)] };
    const error = (await connectSsh(target, { verifyHostKey: trustBoth().verifyHostKey }).catch((e: unknown) => e)) as SshError;
    expect(error).toMatchObject({ code: 'JUMP_FAILED', hop: 1 });
    expect(error.message).toContain(`could not open a tunnel to root@127.0.0.1:${closedPort}`);
  });

  it('chains two hops, each verifying its own key', async () => {
    const verifier = trustBoth();
    const connection = await connectSsh({ ...server(destination), jump: [server(hop), server(hop)] }, { verifyHostKey: verifier.verifyHostKey });
    try {
      const run = await connection.exec(['true']);
      run.stdout.resume();
      expect((await run.exit).code).toBe(0);
    } finally {
      await connection.close();
    }
    expect(verifier.asked.map(({ port }) => port)).toEqual([hop.port, hop.port, destination.port]);
  });
});
