// How an established connection ends when the server goes away. Each test has its own sshd, since
// each one kills or freezes it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshCloseReason, type SshConnection, type SshTarget } from './connect';
import { makeTestKey, type TestKey } from './testing/keys';
import { startSshd, type TestSshd } from './testing/sshd';
import { trustKeys } from './testing/trust';

describe('a connection whose server goes away', () => {
  let dir: string;
  let key: TestKey;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-lifetime-'));
    key = await makeTestKey(dir, 'ed25519');
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function connect(extra: Partial<SshTarget> = {}, sshdOptions: Parameters<typeof startSshd>[0] = {}): Promise<{ sshd: TestSshd; connection: SshConnection; closed: Promise<SshCloseReason> }> {
    const sshd = await startSshd({ authorizedKeys: [key.publicKey], ...sshdOptions });
    cleanups.push(() => sshd.stop());
    const connection = await connectSsh({ host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key', privateKey: key.privateKey }, ...extra }, { verifyHostKey: trustKeys(() => sshd.hostKeys).verifyHostKey });
    cleanups.push(() => connection.close());
    const closed = new Promise<SshCloseReason>((resolve) => connection.onClose(resolve));
    return { sshd, connection, closed };
  }

  it('reports DISCONNECTED when sshd is killed, and fails the running command', async () => {
    const { sshd, connection, closed } = await connect();
    const run = await connection.exec(['sleep', '60']);
    await sshd.stop();
    const reason = await closed;
    expect(reason).toMatchObject({ kind: 'lost', error: { code: 'DISCONNECTED' } });
    if (reason.kind === 'lost') expect(reason.error.message).toMatch(/Reconnect/);
    await expect(run.exit).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await expect(connection.exec(['true'])).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(connection.isClosed).toBe(true);
  });

  it('reports DISCONNECTED when keepalives go unanswered', async () => {
    const { sshd, closed } = await connect({ keepaliveInterval: 0.1, keepaliveCountMax: 2 });
    sshd.freeze();
    cleanups.push(async () => sshd.thaw());
    const reason = await closed;
    expect(reason).toMatchObject({ kind: 'lost', error: { code: 'DISCONNECTED', message: expect.stringContaining('stopped answering: 2 keepalives sent 0.1 s apart got no reply') } });
  });

  it('reports DISCONNECTED naming the jump host when the hop dies', async () => {
    const hop = await startSshd({ authorizedKeys: [key.publicKey] });
    cleanups.push(() => hop.stop());
    const destination = await startSshd({ authorizedKeys: [key.publicKey] });
    cleanups.push(() => destination.stop());
    const server = (sshd: TestSshd) => ({ host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key' as const, privateKey: key.privateKey } });
    const connection = await connectSsh({ ...server(destination), jump: [server(hop)] }, { verifyHostKey: trustKeys(() => [...hop.hostKeys, ...destination.hostKeys]).verifyHostKey });
    cleanups.push(() => connection.close());
    const closed = new Promise<SshCloseReason>((resolve) => connection.onClose(resolve));
    await hop.stop();
    const reason = await closed;
    expect(reason).toMatchObject({ kind: 'lost', error: { code: 'DISCONNECTED', message: expect.stringContaining(`with jump host 1 (${hop.user}@${hop.host}:${hop.port})`) } });
  });
});
