/**
 * Why an SSH connection failed or ended. Reconnect logic keys off `code` (it stops retrying on
 * AUTH_FAILED, HOST_KEY and CANCELLED, and on JUMP_FAILED caused by those); people read `message`,
 * which always says what to do.
 */
export type SshErrorCode =
  | 'REFUSED' // nothing listens on the port
  | 'TIMEOUT' // no answer in time, or a login that did not finish in time
  | 'UNREACHABLE' // the name does not resolve, or there is no route
  | 'AUTH_FAILED'
  | 'HOST_KEY' // the host key verifier refused the key
  | 'JUMP_FAILED' // a ProxyJump hop failed; `hop` says which, `cause` why
  | 'DISCONNECTED' // the connection dropped, during login or after
  | 'PROTOCOL' // the peer did not speak SSH as expected, or refused a channel
  | 'CANCELLED'; // the caller aborted, or the user cancelled a prompt

export class SshError extends Error {
  override readonly name = 'SshError';
  /** For JUMP_FAILED: the failing hop, counting from 1 in the order of `jump`. */
  readonly hop: number | undefined;

  constructor(
    readonly code: SshErrorCode,
    message: string,
    options: { cause?: unknown; hop?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.hop = options.hop;
  }
}

/** `user@host:port` (an IPv6 host in brackets), how messages name a server. */
export function endpointOf(target: { user?: string; host: string; port: number }): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.user ? `${target.user}@` : ''}${host}:${target.port}`;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const ROUTE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

/** A socket-level failure (from `net.connect` or a live connection), classified. */
export function socketError(error: NodeJS.ErrnoException, target: { user?: string; host: string; port: number }): SshError {
  const where = endpointOf(target);
  const code = error.code ?? 'unknown error';
  if (code === 'ECONNREFUSED') {
    return new SshError('REFUSED', `${where} refused the connection: nothing accepts connections on port ${target.port}. Check the port in the server's settings and that sshd is running.`, { cause: error });
  }
  if (DNS_CODES.has(code)) {
    return new SshError('UNREACHABLE', `The host name ${target.host} could not be resolved (${code}). Check the name for typos, and your DNS and network connection.`, { cause: error });
  }
  if (ROUTE_CODES.has(code)) {
    return new SshError('UNREACHABLE', `${where} cannot be reached: there is no route to it (${code}). Check the address, your network connection and any VPN it needs.`, { cause: error });
  }
  if (code === 'ETIMEDOUT') {
    return new SshError('TIMEOUT', `${where} did not answer (${code}). Check that the host is up and that no firewall drops SSH traffic to port ${target.port}.`, { cause: error });
  }
  return new SshError('DISCONNECTED', `The connection to ${where} broke (${code}: ${error.message}). Try again; if it keeps happening, check the network and the server's sshd log.`, { cause: error });
}
