import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { endpointOf, SshError } from './errors';
import type { SshHop } from './target';

/** A hop that failed, as JUMP_FAILED; cancellation and an already-attributed hop failure pass through. */
export function jumpFailed(error: unknown, hopIndex: number, hop: SshHop, hopCount: number): unknown {
  if (!(error instanceof SshError) || error.code === 'CANCELLED' || error.code === 'JUMP_FAILED') return error;
  return new SshError('JUMP_FAILED', `Jump host ${hopIndex + 1} of ${hopCount} (${endpointOf(hop)}) failed: ${error.message}`, { cause: error, hop: hopIndex + 1 });
}

/**
 * Asks a logged-in jump host to open a TCP connection to the next server (a direct-tcpip channel, as
 * `ssh -J` does); the channel then carries the next SSH connection.
 */
export function forwardVia(
  hop: { client: Client; target: SshHop; index: number; count: number },
  next: { host: string; port: number },
  signal: AbortSignal,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // The originating address is informational for the server; OpenSSH's client sends the same.
      hop.client.forwardOut('127.0.0.1', 0, next.host, next.port, (error, channel) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) {
          channel?.close(); // opened after we gave up: nobody will use it
          return;
        }
        if (error) {
          const reason = error.message.replace(/^\(SSH\) /, '');
          reject(
            new SshError(
              'JUMP_FAILED',
              `Jump host ${hop.index + 1} of ${hop.count} (${endpointOf(hop.target)}) could not open a tunnel to ${endpointOf(next)}: ${reason}. Check that ${endpointOf(next)} is reachable from the jump host, and that the jump host allows TCP forwarding (AllowTcpForwarding).`,
              { cause: error, hop: hop.index + 1 },
            ),
          );
          return;
        }
        resolve(channel);
      });
    } catch (error) {
      signal.removeEventListener('abort', onAbort);
      reject(new SshError('JUMP_FAILED', `Jump host ${hop.index + 1} of ${hop.count} (${endpointOf(hop.target)}) is no longer connected. Try again.`, { cause: error, hop: hop.index + 1 }));
    }
  });
}
