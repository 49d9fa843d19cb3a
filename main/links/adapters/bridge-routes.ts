import { isIPv4, isIPv6 } from 'node:net';

/**
 * How the desktop reaches an agent's bridge: `direct` dials the agent's host:port from this machine;
 * `forward` asks the server's sshd to open that host:port on its side (a direct-tcpip channel over the
 * server's shared SSH connection, as `ssh -L` does) and speaks the same protocol, TLS pin included, inside.
 */
export type BridgeRoute = 'direct' | 'forward';

/** Where a server's SSH connection lands, as SshConnection.destination says. */
export interface SshDestination {
  readonly host: string;
  readonly jumpHosts: number;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped), `localhost` and names under `.localhost`, which RFC 6761 keeps on the machine itself. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIPv4(name)) return name.startsWith('127.');
  if (isIPv6(name)) {
    if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name);
    return mapped !== null && mapped[1].startsWith('127.');
  }
  return false;
}

/** An SSH destination that is this machine: a loopback host dialed from here, not from a jump host (whose loopback is its own). */
export function isThisMachine(ssh: SshDestination): boolean {
  return ssh.jumpHosts === 0 && isLoopbackHost(ssh.host);
}

/**
 * The routes that may reach an agent at `agentHost`, in the order to try them when nothing worked yet.
 * `ssh` tells where the server's SSH connection lands (absent: the server has no SSH login); it is asked
 * only when the answer depends on it.
 *
 * - Without an SSH login there is only `direct`.
 * - A loopback agent address on a server that is not this machine names the server's own loopback (the
 *   usual setup: the bridge listens on the server's 127.0.0.1): only `forward`. Dialing it from here
 *   would reach this machine's own port, and hand whatever listens there the agent's token.
 * - Otherwise `direct` first, and `forward` when direct cannot connect (refused, no route, no answer to
 *   the connection attempt, a name only the server's network resolves).
 */
export async function allowedRoutes(agentHost: string, ssh: (() => Promise<SshDestination>) | undefined): Promise<readonly BridgeRoute[]> {
  if (!ssh) return ['direct'];
  if (isLoopbackHost(agentHost) && !isThisMachine(await ssh())) return ['forward'];
  return ['direct', 'forward'];
}

/** `allowed` with `preferred` (the route that worked last, or the one left after the other failed) first. */
export function inPreferredOrder(allowed: readonly BridgeRoute[], preferred: BridgeRoute | undefined): readonly BridgeRoute[] {
  if (!preferred || !allowed.includes(preferred)) return allowed;
  return [preferred, ...allowed.filter((route) => route !== preferred)];
}
