import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import type { CommandResult, RunParams } from '../../../agent/protocol/messages';
import { requestName, requestTempName, resultName, TRIGGER_ID } from '../../../agent/trigger/names';
import type { SshConnection } from '../../ssh/connect';
import type { LayerAdapter, LinkTarget } from './layer';
import { asLinkError, LinkError, raceAbort } from './link-error';
import { pollUntil } from './poll';
import { readResult } from './run-command-line';
import { NO_SUCH_FILE, PERMISSION_DENIED, SftpSessions, sftpReadFile, sftpRename, sftpStat, sftpStatus, sftpUnlink, sftpWriteFile } from './sftp';
import { connectionOf } from './ssh-exec';

// The trigger layer: the command as a file in the agent's watched folder, written over SFTP on the
// server's shared SSH connection, and the agent's answer file read back (agent/trigger/names.ts has the
// protocol). It needs no agent port and no shell: only the agent's watcher and an SFTP login.

export class TriggerAdapter implements LayerAdapter {
  readonly layer = 'trigger';
  readonly streamsOutput = false;
  private readonly sessions = new SftpSessions();

  /** The folder is there and this login may create files in it (owner write and search bits: the agent's user is the login). */
  async probe(target: LinkTarget, signal: AbortSignal): Promise<void> {
    const { connection, sftp, dir } = await this.open(target, signal);
    const info = await raceAbort(this.layer, signal, sftpStat(sftp, dir)).catch((error: unknown) => {
      throw this.fileError(error, connection, dir, 'look at');
    });
    if (!info.isDirectory()) {
      throw new LinkError(this.layer, 'REFUSED', `${dir} on ${connection.endpoint} is not a folder; set the server's trigger folder to the agent's trigger.dir.`);
    }
    if ((info.mode & 0o300) !== 0o300) {
      throw new LinkError(this.layer, 'REFUSED', `The trigger folder ${dir} on ${connection.endpoint} has mode ${(info.mode & 0o777).toString(8)}, so no request can be written into it; run chmod 700 ${dir} as the agent's user.`);
    }
  }

  async run(target: LinkTarget, params: RunParams, signal: AbortSignal): Promise<CommandResult> {
    if (!TRIGGER_ID.test(params.commandId)) {
      throw new LinkError(this.layer, 'REFUSED', `Command id ${params.commandId} has a dot, which trigger file names cannot carry; give commands ids without dots.`);
    }
    const { connection, sftp, dir } = await this.open(target, signal);
    const id = params.commandId;
    const request = posix.join(dir, requestName(id));
    const temp = posix.join(dir, requestTempName(id));
    const answer = posix.join(dir, resultName(id));

    const submitted = this.submit(sftp, temp, request, JSON.stringify(params));
    let answered = false;
    try {
      await raceAbort(this.layer, signal, submitted).catch((error: unknown) => {
        throw this.fileError(error, connection, dir, 'write a request into');
      });
      const text = await pollUntil(this.layer, signal, () =>
        sftpReadFile(sftp, answer).then(
          (bytes) => bytes.toString('utf8'),
          (error: unknown) => {
            if (sftpStatus(error) === NO_SUCH_FILE) return undefined;
            throw this.fileError(error, connection, dir, 'read the answer from');
          },
        ),
      );
      answered = true;
      const result = readResult(this.layer, text, id, `${answer} on ${connection.endpoint}`);
      // The agent deletes answers after its retention period anyway.
      await sftpUnlink(sftp, answer).catch(() => undefined);
      return result;
    } finally {
      // A request nobody picked up (the agent is down, or slow) is taken back once it is written, so it
      // cannot run long after this attempt was given up; not awaited, so an abort returns at once. One the
      // agent has already read runs on, and the id keeps a retry from running it again.
      if (!answered) {
        const withdraw = () => Promise.all([request, temp].map((path) => sftpUnlink(sftp, path).catch(() => undefined)));
        void submitted.then(withdraw, withdraw);
      }
    }
  }

  dispose(): void {
    this.sessions.close();
  }

  private async open(target: LinkTarget, signal: AbortSignal): Promise<{ connection: SshConnection; sftp: SFTPWrapper; dir: string }> {
    const dir = target.triggerDir;
    if (!dir) {
      throw new LinkError(this.layer, 'REFUSED', `Server ${target.serverId} has no trigger folder set: give the agent's trigger.dir (lifeline servers add … --trigger-dir PATH), or leave trigger out of its layers.`);
    }
    const connection = await connectionOf(this.layer, target, signal);
    const sftp = await raceAbort(this.layer, signal, this.sessions.get(connection)).catch((error: unknown) => {
      throw asLinkError(this.layer, error);
    });
    return { connection, sftp, dir };
  }

  /** `<id>.json.tmp` (0600), renamed to `<id>.json`, so the agent never reads half a request. */
  private async submit(sftp: SFTPWrapper, temp: string, request: string, body: string): Promise<void> {
    await sftpWriteFile(sftp, temp, body, 0o600);
    try {
      await sftpRename(sftp, temp, request);
    } catch (error) {
      // SFTP's rename does not replace: an earlier attempt's request still waiting is this same command.
      const waiting = await sftpStat(sftp, request).then(() => true, () => false);
      if (!waiting) throw error;
      await sftpUnlink(sftp, temp).catch(() => undefined);
    }
  }

  private fileError(error: unknown, connection: SshConnection, dir: string, doing: string): LinkError {
    if (error instanceof LinkError) return error;
    const where = `${dir} on ${connection.endpoint}`;
    switch (sftpStatus(error)) {
      case NO_SUCH_FILE:
        return new LinkError(this.layer, 'UNREACHABLE', `There is no trigger folder ${where}: the agent creates it when it starts with trigger files on. Start the agent, or set the server's trigger folder to the agent's trigger.dir.`, { cause: error });
      case PERMISSION_DENIED:
        return new LinkError(this.layer, 'REFUSED', `This login may not ${doing} ${where} (permission denied): the folder belongs to the agent's user. Log in as that user, or fix the folder's owner and mode (700).`, { cause: error });
    }
    if (connection.isClosed) {
      return new LinkError(this.layer, 'UNREACHABLE', `The SSH connection to ${connection.endpoint} was lost while trying to ${doing} ${dir}; it is retried once the connection is back.`, { cause: error });
    }
    return new LinkError(this.layer, 'PROTOCOL', `Could not ${doing} ${where}: ${(error as Error).message}. Check the server's SFTP subsystem and its log.`, { cause: error });
  }
}
