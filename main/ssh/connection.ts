import type { Duplex } from 'node:stream';
import type { ClientChannel, PseudoTtyOptions, SFTPWrapper } from 'ssh2';
import type { Unsubscribe } from '../../preload/api';
import { Emitter } from '../api/emitter';
import { execChannel, shellChannel, type ChannelOwner, type ExecChannel, type ShellChannel } from './channels';
import { endpointOf, SshError } from './errors';
import type { LoggedIn } from './login';
import { shellCommand } from './shell-quote';
import type { SshHop, SshTarget } from './target';

/** Why a connection ended: `closed` by close(), or `lost` (code DISCONNECTED) for any other reason. */
export type SshCloseReason = { readonly kind: 'closed' } | { readonly kind: 'lost'; readonly error: SshError };

export interface PtyOptions {
  readonly cols: number;
  readonly rows: number;
  readonly term: string;
}

export interface ExecOptions {
  /** Added to the command's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Runs the command on a PTY (stdout and stderr then arrive merged on stdout). */
  readonly pty?: PtyOptions;
}

/**
 * A logged-in SSH connection, and the jump hosts it runs through, which it owns: closing it, or losing
 * it, closes them too.
 */
export class SshConnection {
  private readonly closeEmitter = new Emitter<SshCloseReason>();
  private reason: SshCloseReason | undefined;
  private readonly finished: Promise<void>;
  /** `user@host:port` of the destination, for messages. */
  readonly endpoint: string;
  /** The destination's host as dialed (by the last jump host when there are any), and how many jump hosts lie between. */
  readonly destination: { readonly host: string; readonly jumpHosts: number };
  private readonly channelOwner: ChannelOwner;

  constructor(
    private readonly session: LoggedIn,
    private readonly hops: readonly { readonly session: LoggedIn; readonly target: SshHop }[],
    target: SshTarget,
  ) {
    this.endpoint = endpointOf(target);
    this.destination = { host: target.host, jumpHosts: hops.length };
    this.channelOwner = { lostReason: () => this.lostReason(), ended: session.ended };
    this.finished = session.ended.then(async (ended) => {
      // The hop whose loss took this connection down, if any, read before closing the others on purpose.
      const lostHop = this.hops.findIndex((hop) => hop.session.endReason);
      for (const hop of [...this.hops].reverse()) hop.session.end();
      await Promise.all(this.hops.map((hop) => hop.session.ended));
      this.reason = ended === null ? { kind: 'closed' } : { kind: 'lost', error: lostHop === -1 ? ended : this.hopLost(lostHop) };
      this.closeEmitter.fire(this.reason);
      this.closeEmitter.dispose();
    });
  }

  get isClosed(): boolean {
    return this.reason !== undefined || this.session.endReason !== undefined;
  }

  /** Runs `argv` exactly: each argument is quoted for the remote POSIX shell. */
  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecChannel> {
    let command: string;
    try {
      command = shellCommand(argv, options.env);
    } catch (error) {
      return Promise.reject(error);
    }
    const wrap = (channel: ClientChannel) => execChannel(channel, this.channelOwner);
    return this.open('a command channel', wrap, (done) => {
      if (options.pty) this.session.client.exec(command, { pty: ptyOf(options.pty) }, done);
      else this.session.client.exec(command, done);
    });
  }

  /**
   * An interactive login shell on a PTY; with `command`, that argv runs on the PTY instead of the shell
   * (as `ssh -t host command`), still resizable, which an exec channel's typed surface does not offer.
   */
  shell(pty: PtyOptions, command?: readonly string[]): Promise<ShellChannel> {
    let line: string | undefined;
    try {
      line = command && shellCommand(command);
    } catch (error) {
      return Promise.reject(error);
    }
    const wrap = (channel: ClientChannel) => shellChannel(channel, this.channelOwner);
    return this.open('a terminal', wrap, (done) => {
      if (line === undefined) this.session.client.shell(ptyOf(pty), done);
      else this.session.client.exec(line, { pty: ptyOf(pty) }, done);
    });
  }

  sftp(): Promise<SFTPWrapper> {
    return this.open('an SFTP session', (sftp: SFTPWrapper) => sftp, (done) => this.session.client.sftp(done));
  }

  /**
   * A TCP connection that the server opens to `host:port` as it sees them (a direct-tcpip channel, as
   * `ssh -L` makes): its loopback is the server's own. Rejects when the server cannot connect or does not
   * allow forwarding; the message says which.
   */
  forwardOut(host: string, port: number): Promise<Duplex> {
    const to = endpointOf({ host, port });
    const refused = (reason: string, cause: Error) =>
      new SshError('REFUSED', `${this.endpoint} could not open a tunnel to ${to} on its side: ${reason}. Check that something listens at ${to} on that server, and that its sshd allows TCP forwarding (AllowTcpForwarding).`, { cause });
    return this.open(
      `a tunnel to ${to}`,
      (channel: ClientChannel): Duplex => channel,
      // The originating address is informational for the server; OpenSSH's client sends the same.
      (done) => this.session.client.forwardOut('127.0.0.1', 0, host, port, done),
      refused,
    );
  }

  /** Closes the connection and its jump hosts; resolves once all are closed and onClose listeners ran. */
  async close(): Promise<void> {
    if (this.session.endReason === undefined) this.session.end();
    await this.finished;
  }

  /** Called once, with why, after the connection and its hops have closed. */
  onClose(listener: (reason: SshCloseReason) => void): Unsubscribe {
    const reason = this.reason;
    if (reason) {
      queueMicrotask(() => listener(reason));
      return () => undefined;
    }
    return this.closeEmitter.event(listener);
  }

  private readonly lostReason = (): SshError | undefined => {
    if (this.reason) return this.reason.kind === 'lost' ? this.reason.error : undefined;
    const lostHop = this.hops.findIndex((hop) => hop.session.endReason);
    if (lostHop !== -1) return this.hopLost(lostHop);
    return this.session.endReason ?? undefined;
  };

  private hopLost(index: number): SshError {
    const hop = this.hops[index];
    const cause = hop.session.endReason as SshError;
    return new SshError('DISCONNECTED', `The connection to ${this.endpoint} was lost with jump host ${index + 1} (${endpointOf(hop.target)}): ${cause.message}`, { cause });
  }

  /**
   * Opens a channel. `wrap` runs inside ssh2's callback: the same packet read that opened the channel can
   * already carry its exit status and close, so listeners attached a microtask later would miss them.
   */
  private open<T, R>(
    what: string,
    wrap: (value: T) => R,
    request: (done: (error: Error | undefined, value: T) => void) => void,
    refused: (reason: string, cause: Error) => SshError = (reason, cause) =>
      new SshError('PROTOCOL', `${this.endpoint} did not open ${what}: ${reason}. The server may limit sessions per connection (MaxSessions); close some terminals or reconnect.`, { cause }),
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const closed = (): SshError => this.lostReason() ?? new SshError('DISCONNECTED', `The connection to ${this.endpoint} is closed. Connect again to open ${what}.`);
      if (this.isClosed) {
        reject(closed());
        return;
      }
      try {
        request((error, value) => {
          if (!error) resolve(wrap(value));
          else if (this.isClosed) reject(closed());
          else reject(refused(error.message.replace(/^\(SSH\) /, ''), error));
        });
      } catch (error) {
        // ssh2 throws when the socket has already gone.
        reject(this.isClosed ? closed() : error);
      }
    });
  }
}

function ptyOf(pty: PtyOptions): PseudoTtyOptions {
  return { cols: pty.cols, rows: pty.rows, term: pty.term };
}
