import type { Duplex } from 'node:stream';
import { BridgeClient, type BridgeConnectOptions } from '../../../agent/protocol/client';
import type { SshConnection } from '../../ssh/connect';
import { endpointOf } from '../../ssh/errors';
import { asLinkError, LinkError } from './link-error';
import type { LinkTarget } from './layer';
import { connectionOf } from './ssh-exec';

// The bridge's `forward` route: the server's sshd opens the agent's host:port on its side, and the bridge
// protocol (TLS and its pin included) runs inside that channel of the server's shared SSH connection.

/** A route's outcome: a client, or why this route could not even reach the agent (so another may). */
export type RouteOutcome = { readonly client: BridgeClient } | { readonly unreachable: LinkError };

/** The server's shared SSH connection within `timeoutMs`; a failure is the forward route being unreachable. */
export async function sshFor(target: LinkTarget, timeoutMs: number): Promise<SshConnection | LinkError> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return await connectionOf('bridge', target, deadline);
  } catch (error) {
    if (!deadline.aborted) return asLinkError('bridge', error);
    return new LinkError('bridge', 'TIMEOUT', `No SSH connection to server ${target.serverId} within ${timeoutMs} ms to tunnel the bridge through; check its SSH login (the tmux, trigger and exec layers say more).`);
  }
}

/**
 * Opens the tunnel to `options.host:options.port` as the server sees them and says hello through it.
 * Opening the tunnel is bounded by `options.timeoutMs`, and so is the hello after it.
 */
export async function connectThroughSsh(connection: SshConnection, options: Omit<BridgeConnectOptions, 'stream' | 'signal'>): Promise<RouteOutcome> {
  const to = endpointOf(options);
  const tunnel = connection.forwardOut(options.host, options.port);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<LinkError>((resolve) => {
    timer = setTimeout(
      () => resolve(new LinkError('bridge', 'UNREACHABLE', `${connection.endpoint} did not open a tunnel to ${to} within ${options.timeoutMs} ms; check the server's load and that its sshd allows TCP forwarding (AllowTcpForwarding).`)),
      options.timeoutMs,
    );
  });
  let duplex: Duplex | LinkError;
  try {
    duplex = await Promise.race([tunnel.catch((error: unknown) => asLinkError('bridge', error)), late]);
  } finally {
    clearTimeout(timer);
  }
  if (duplex instanceof LinkError) {
    // A tunnel that opens after we gave up has nobody to read it.
    tunnel.then((opened) => opened.destroy(), () => undefined);
    return { unreachable: duplex };
  }
  return { client: await BridgeClient.connect({ ...options, stream: { duplex, via: `SSH to ${connection.endpoint}` } }) };
}
