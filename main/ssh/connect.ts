import type { Duplex } from 'node:stream';
import { checkAuth } from './auth';
import { SshConnection } from './connection';
import { LoginDeadline } from './deadline';
import { endpointOf } from './errors';
import { forwardVia, jumpFailed } from './jump';
import { login, type LoggedIn } from './login';
import type { ConnectOptions, SshHop, SshTarget } from './target';
import { openTcp } from './tcp';

const DEFAULT_READY_TIMEOUT_MS = 20_000;

export { SshConnection, type SshCloseReason, type ExecOptions, type PtyOptions } from './connection';
export type { ExecChannel, ExecExit, ShellChannel } from './channels';
export { SshError, type SshErrorCode } from './errors';
export type { ConnectOptions, HostKeyInfo, KeyboardInteractiveRequest, SshAuth, SshHop, SshTarget } from './target';

/**
 * Connects and logs in to `target`, through its ProxyJump chain when it has one: the first hop over
 * TCP, each next server over a channel the previous one forwards. Every server's host key goes through
 * `options.verifyHostKey` before any authentication. Rejects with an SshError; nothing it opened is
 * left open.
 */
export async function connectSsh(target: SshTarget, options: ConnectOptions): Promise<SshConnection> {
  const hops = target.jump ?? [];
  const chain: { session: LoggedIn; target: SshHop }[] = [];
  try {
    for (const server of [...hops, target]) checkAuth(server);
    for (const [index, hop] of hops.entries()) {
      try {
        chain.push({ session: await loginTo(hop, chain, options, hops.length), target: hop });
      } catch (error) {
        throw jumpFailed(error, index, hop, hops.length);
      }
    }
    return new SshConnection(await loginTo(target, chain, options, hops.length), chain, target);
  } catch (error) {
    for (const { session } of chain.reverse()) session.end();
    await Promise.all(chain.map(({ session }) => session.ended));
    throw error;
  }
}

/** One server: reached over TCP, or through the last hop logged in so far. */
async function loginTo(server: SshHop, chain: readonly { session: LoggedIn; target: SshHop }[], options: ConnectOptions, hopCount: number): Promise<LoggedIn> {
  const deadline = new LoginDeadline(options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, endpointOf(server), options.signal);
  try {
    const previous = chain.at(-1);
    const sock: Duplex = previous
      ? await forwardVia({ client: previous.session.client, target: previous.target, index: chain.length - 1, count: hopCount }, server, deadline.signal)
      : await openTcp(server, deadline.signal);
    return await login(sock, server, options, deadline);
  } finally {
    deadline.dispose();
  }
}
