import type { Duplex } from 'node:stream';
// ssh2 is CommonJS without named exports that Node's ESM loader can see, hence the default import.
import ssh2, { type Client } from 'ssh2';
import { prepareAuth, type LoginAuth } from './auth';
import type { LoginDeadline } from './deadline';
import { endpointOf, socketError, SshError } from './errors';
import { makeHostVerifier } from './host-verifier';
import type { ConnectOptions, SshHop } from './target';

const DEFAULT_KEEPALIVE_SECONDS = 10;
const DEFAULT_KEEPALIVE_COUNT_MAX = 3;

/** ssh2 tags its errors with where they arose. */
type Ssh2Error = Error & { level?: string; code?: unknown; description?: string };

/** A logged-in ssh2 client and the news of its end. */
export interface LoggedIn {
  readonly client: Client;
  /** Settles once the connection has closed: null when `end()` closed it, else what broke it. */
  readonly ended: Promise<SshError | null>;
  /** undefined while open; then what `ended` settled with. */
  readonly endReason: SshError | null | undefined;
  /** Closes the connection on purpose. */
  end(): void;
}

/**
 * Runs the SSH handshake and login over `sock` (a TCP socket, or a channel forwarded by a jump host),
 * which it then owns: on failure it is destroyed. The host key is verified before authentication.
 */
export function login(sock: Duplex, target: SshHop, options: ConnectOptions, deadline: LoginDeadline): Promise<LoggedIn> {
  const where = endpointOf(target);
  const client = new ssh2.Client();
  let phase: 'login' | 'ready' | 'closed' = 'login';
  let failure: SshError | undefined; // decided by us: refused key, cancelled prompt, timeout
  let firstError: Ssh2Error | undefined; // reported by ssh2: the root cause comes first
  let endedByUs = false;
  let endReason: SshError | null | undefined;
  let settleEnded: (reason: SshError | null) => void = () => undefined;
  const ended = new Promise<SshError | null>((resolve) => {
    settleEnded = resolve;
  });

  const stopLogin = (error: SshError): void => {
    if (phase !== 'login') return;
    failure ??= error;
    client.destroy();
    sock.destroy(); // ssh2 leaves a stream that is no longer writable alone
  };
  const onDeadline = (): void => stopLogin(deadline.reason);
  // ssh2 then sends the server a proper disconnect and closes: no need to cut the socket.
  const refuse = (error: SshError): void => {
    failure ??= error;
  };
  const isOver = (): boolean => phase !== 'login';

  let auth: LoginAuth;
  try {
    if (deadline.signal.aborted) throw deadline.reason;
    auth = prepareAuth(target, { prompt: options.prompt, pause: deadline.pause, resume: deadline.resume, cancel: stopLogin, isOver });
  } catch (error) {
    sock.destroy();
    return Promise.reject(error);
  }

  return new Promise<LoggedIn>((resolve, reject) => {
    const onError = (error: Ssh2Error): void => {
      if (error.level === 'agent') {
        auth.noteAgentError(error);
        return;
      }
      firstError ??= error;
      if (phase === 'login') closeAfterFlush(sock);
    };
    const onReady = (): void => {
      phase = 'ready';
      firstError = undefined; // what went wrong during login (a refused method) is not why it may end later
      deadline.signal.removeEventListener('abort', onDeadline);
      resolve({
        client,
        ended,
        get endReason() {
          return endReason;
        },
        end() {
          endedByUs = true;
          client.end();
        },
      });
    };
    const onClose = (): void => {
      if (phase === 'closed') return;
      const wasReady = phase === 'ready';
      phase = 'closed';
      deadline.signal.removeEventListener('abort', onDeadline);
      client.off('ready', onReady);
      client.off('close', onClose);
      client.off('error', onError);
      // ssh2 may still report errors of the dead socket; unheard, an 'error' event would crash the process.
      client.on('error', () => undefined);
      if (!wasReady) {
        reject(failure ?? loginError(firstError, target, auth));
        return;
      }
      endReason = endedByUs ? null : lostError(firstError, target);
      settleEnded(endReason);
    };
    client.on('error', onError);
    client.on('ready', onReady);
    client.on('close', onClose);
    deadline.signal.addEventListener('abort', onDeadline, { once: true });

    const keepaliveSeconds = target.keepaliveInterval ?? DEFAULT_KEEPALIVE_SECONDS;
    try {
      client.connect({
        sock,
        username: target.user,
        hostVerifier: makeHostVerifier(target, options.verifyHostKey, { pause: deadline.pause, resume: deadline.resume, refuse, isOver }),
        authHandler: auth.handler,
        // The deadline above replaces ssh2's timer, which would also count the time a person takes to answer.
        readyTimeout: 0,
        keepaliveInterval: keepaliveSeconds * 1000,
        keepaliveCountMax: target.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
        ...(target.agentForward ? { agent: target.agentForward.socket, agentForward: true } : {}),
      });
    } catch (error) {
      stopLogin(new SshError('PROTOCOL', `The connection to ${where} could not start: ${error instanceof Error ? error.message : String(error)}.`, { cause: error }));
    }
  });
}

/**
 * ssh2 gives up on a failed login by half-closing the socket, and then waits for the server to close
 * its side; a peer that is not a well-behaved SSH server may never do so. Close it fully once what ssh2
 * wrote (its disconnect message) has been flushed.
 */
function closeAfterFlush(sock: Duplex): void {
  if (sock.writableFinished) sock.destroy();
  else {
    sock.once('finish', () => sock.destroy());
    sock.end();
  }
}

function loginError(error: Ssh2Error | undefined, target: SshHop, auth: LoginAuth): SshError {
  const where = endpointOf(target);
  if (error === undefined) {
    return new SshError('DISCONNECTED', `${where} closed the connection before the login finished. Check the server's sshd log (AllowUsers, MaxStartups, fail2ban) and try again.`);
  }
  switch (error.level) {
    case 'client-authentication':
      return auth.failure();
    case 'client-socket':
      return socketError(error as NodeJS.ErrnoException, target);
    case 'protocol':
    case 'handshake':
      return new SshError('PROTOCOL', `${where} did not complete an SSH handshake: ${error.message}. Check that the port belongs to an SSH server; if it does, it may offer no algorithm Lifeline supports.`, { cause: error });
  }
  if (typeof error.code === 'number') {
    // The server sent SSH_MSG_DISCONNECT (e.g. "Too many authentication failures").
    return new SshError('DISCONNECTED', `${where} ended the login: ${error.message}. Check the server's sshd log, then try again.`, { cause: error });
  }
  return new SshError('PROTOCOL', `The login to ${where} failed: ${error.message}. Try again; if it keeps failing, check the server's sshd log.`, { cause: error });
}

function lostError(error: Ssh2Error | undefined, target: SshHop): SshError {
  const where = endpointOf(target);
  if (error?.level === 'client-timeout') {
    const seconds = target.keepaliveInterval ?? DEFAULT_KEEPALIVE_SECONDS;
    const count = target.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX;
    return new SshError('DISCONNECTED', `${where} stopped answering: ${count} keepalives sent ${seconds} s apart got no reply, so the connection was closed. Reconnect once the network is back.`, { cause: error });
  }
  if (error?.level === 'client-socket') {
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    return new SshError('DISCONNECTED', `The connection to ${where} was lost (${code}). Reconnect once the network and the server are back.`, { cause: error });
  }
  const detail = error ? `: ${error.message}` : '';
  return new SshError('DISCONNECTED', `${where} closed the connection${detail}. Reconnect when the server is available again.`, { cause: error });
}
