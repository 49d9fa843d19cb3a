// How connecting fails before any login: each failure gets its own code and a message saying what to do.
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSsh, type SshError, type SshTarget } from './connect';
import { freeLoopbackPort } from './testing/free-port';

/** A TCP server on 127.0.0.1 that does `behave` with each connection; closed after each test. */
async function startTcpServer(behave: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the client may reset
    behave(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const target = (host: string, port: number): SshTarget => ({ host, port, user: 'nobody', auth: { kind: 'password', password: 'unused' } });
const neverAsked = async (): Promise<Error> => new Error('the verifier must not be reached');
const failure = (promise: Promise<unknown>): Promise<SshError> => promise.then(() => expect.unreachable('connectSsh resolved'), (error: SshError) => error);

describe('connectSsh failures before login', () => {
  const servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('REFUSED when nothing listens on the port', async () => {
    const port = await freeLoopbackPort();
    const error = await failure(connectSsh(target('127.0.0.1', port), { verifyHostKey: neverAsked }));
    expect(error.code).toBe('REFUSED');
    expect(error.message).toBe(`nobody@127.0.0.1:${port} refused the connection: nothing accepts connections on port ${port}. Check the port in the server's settings and that sshd is running.`);
  });

  it('UNREACHABLE when the name does not resolve', async () => {
    // .invalid is reserved (RFC 6761): it never resolves, on any network.
    const error = await failure(connectSsh(target('lifeline-test.invalid', 22), { verifyHostKey: neverAsked }));
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toMatch(/^The host name lifeline-test\.invalid could not be resolved \(E[A-Z_]+\)\. Check the name/);
  });

  it('TIMEOUT when the server accepts but never speaks', async () => {
    const silent = await startTcpServer(() => undefined);
    servers.push(silent);
    const error = await failure(connectSsh(target('127.0.0.1', silent.port), { verifyHostKey: neverAsked, readyTimeoutMs: 300 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('did not complete the login within 0.3 s');
  });

  it('PROTOCOL when the port speaks something else', async () => {
    const http = await startTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    servers.push(http);
    const error = await failure(connectSsh(target('127.0.0.1', http.port), { verifyHostKey: neverAsked }));
    expect(error.code).toBe('PROTOCOL');
    expect(error.message).toContain('Check that the port belongs to an SSH server');
  });

  it('PROTOCOL for an SSH version it does not speak', async () => {
    const old = await startTcpServer((socket) => socket.write('SSH-1.5-ancient\r\n'));
    servers.push(old);
    const error = await failure(connectSsh(target('127.0.0.1', old.port), { verifyHostKey: neverAsked }));
    expect(error.code).toBe('PROTOCOL');
  });

  it('refuses an unusable private key without connecting, even to a jump host', async () => {
    let connections = 0;
    const server = await startTcpServer(() => {
      connections += 1;
    });
    servers.push(server);
    const hop = target('127.0.0.1', server.port);
    const destination: SshTarget = { ...target('127.0.0.1', server.port), auth: { kind: 'key', privateKey: Buffer.from('not a key') }, jump: [hop] };
    const error = await failure(connectSsh(destination, { verifyHostKey: neverAsked }));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/^The private key for nobody@127\.0\.0\.1:\d+ cannot be used: .+\. Import the key into the vault again/);
    expect(connections).toBe(0);
  });

  it('CANCELLED, without connecting, when the signal is already aborted', async () => {
    let connections = 0;
    const server = await startTcpServer(() => {
      connections += 1;
    });
    servers.push(server);
    const error = await failure(connectSsh(target('127.0.0.1', server.port), { verifyHostKey: neverAsked, signal: AbortSignal.abort() }));
    expect(error.code).toBe('CANCELLED');
    expect(connections).toBe(0);
  });

  it('CANCELLED when aborted while waiting for the server', async () => {
    const controller = new AbortController();
    const silent = await startTcpServer(() => controller.abort());
    servers.push(silent);
    const error = await failure(connectSsh(target('127.0.0.1', silent.port), { verifyHostKey: neverAsked, signal: controller.signal }));
    expect(error.code).toBe('CANCELLED');
  });
});
