import type { Readable, Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { SshError } from './errors';

/** How a remote command ended: an exit status, or the signal that killed it (`SIGTERM`, …). */
export interface ExecExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface ExecChannel {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /**
   * Settles once the channel has closed, which (as with a child process's 'close') needs stdout read to
   * its end: read it, or call `stdout.resume()`. Rejects (DISCONNECTED) if the connection dropped
   * before the command's exit status arrived.
   */
  readonly exit: Promise<ExecExit>;
  /** Closes the channel; the remote command gets SIGHUP if it has a PTY, EOF on stdin otherwise. */
  close(): void;
}

export interface ShellChannel {
  /** The terminal's bytes, both ways; with a PTY, stderr arrives here too. Pause it for backpressure. */
  readonly stream: Readable & Writable;
  /** Tells the remote PTY its new size. */
  setWindow(rows: number, cols: number): void;
  readonly exit: Promise<ExecExit>;
  close(): void;
}

/** What a channel needs from the connection it runs on. */
export interface ChannelOwner {
  /** Why the connection was lost, once it has been; undefined while open or after a deliberate close. */
  lostReason(): SshError | undefined;
  /** Settles when the connection has ended, however it ended. */
  readonly ended: Promise<unknown>;
}

/**
 * The exit of a channel. The exit-status or exit-signal request arrives before the channel closes;
 * the promise settles on close, when the output has all been delivered, or when the connection ends.
 */
export function exitOf(channel: ClientChannel, owner: ChannelOwner): Promise<ExecExit> {
  const exit = new Promise<ExecExit>((resolve, reject) => {
    let result: ExecExit | undefined;
    const onExit = (code: number | null, signal?: string): void => {
      result = { code: code ?? null, signal: signal ?? null };
    };
    const settle = (): void => {
      channel.off('exit', onExit);
      channel.off('close', settle);
      const lost = owner.lostReason();
      if (result) resolve(result);
      else if (lost) reject(lost);
      else resolve({ code: null, signal: null });
    };
    channel.on('exit', onExit);
    channel.once('close', settle);
    // ssh2 closes a channel only once its stdout has been read to the end; a dead connection must
    // settle `exit` even for a caller who never reads.
    void owner.ended.then(settle);
  });
  // Callers who never look at `exit` must not crash the process with an unhandled rejection; those who
  // await it still get the rejection.
  exit.catch(() => undefined);
  return exit;
}

export function execChannel(channel: ClientChannel, owner: ChannelOwner): ExecChannel {
  return { stdin: channel, stdout: channel, stderr: channel.stderr, exit: exitOf(channel, owner), close: () => channel.close() };
}

export function shellChannel(channel: ClientChannel, owner: ChannelOwner): ShellChannel {
  return {
    stream: channel,
    // Pixel sizes are unknown to a text terminal; 0 says so, as OpenSSH's client does.
    setWindow: (rows, cols) => channel.setWindow(rows, cols, 0, 0),
    exit: exitOf(channel, owner),
    close: () => channel.close(),
  };
}
