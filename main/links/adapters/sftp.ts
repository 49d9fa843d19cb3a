import type { SFTPWrapper, Stats } from 'ssh2';
import type { SshConnection } from '../../ssh/connect';

// What the trigger layer does over SFTP, as promises; and the SFTP sessions it opens on the shared SSH
// connections, one per connection, which it owns.

/** SFTP status codes (ssh2's utils.sftp.STATUS_CODE) the trigger layer tells apart. */
export const NO_SUCH_FILE = 2;
export const PERMISSION_DENIED = 3;

/** An SFTP status from a failed request, or undefined when the failure was not the server's answer. */
export function sftpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

type Callback<T> = (error: Error | undefined | null, value: T) => void;

function call<T>(request: (done: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => request((error, value) => (error ? reject(error) : resolve(value))));
}

export const sftpStat = (sftp: SFTPWrapper, path: string) => call<Stats>((done) => sftp.stat(path, done));
export const sftpReadFile = (sftp: SFTPWrapper, path: string) => call<Buffer>((done) => sftp.readFile(path, done));
export const sftpUnlink = (sftp: SFTPWrapper, path: string) => call<void>((done) => sftp.unlink(path, (error) => done(error, undefined)));
export const sftpRename = (sftp: SFTPWrapper, from: string, to: string) => call<void>((done) => sftp.rename(from, to, (error) => done(error, undefined)));
/** Creates or truncates `path` with `mode` (applied when the file is created) and writes `data`. */
export const sftpWriteFile = (sftp: SFTPWrapper, path: string, data: string, mode: number) =>
  call<void>((done) => sftp.writeFile(path, data, { mode, flag: 'w' }, (error) => done(error, undefined)));

/** One SFTP session per SSH connection, opened on first use and again after it closes; `close` ends them all. */
export class SftpSessions {
  private readonly sessions = new Map<SshConnection, Promise<SFTPWrapper>>();

  get(connection: SshConnection): Promise<SFTPWrapper> {
    const open = this.sessions.get(connection);
    if (open) return open;
    const session = connection.sftp();
    this.sessions.set(connection, session);
    const forget = () => {
      if (this.sessions.get(connection) === session) this.sessions.delete(connection);
    };
    session.then((sftp) => {
      sftp.once('close', forget);
      // A session's failure is reported to the request that meets it; the next one opens a new session.
      sftp.on('error', forget);
    }, forget);
    return session;
  }

  close(): void {
    for (const session of this.sessions.values()) void session.then((sftp) => sftp.end(), () => undefined);
    this.sessions.clear();
  }
}
