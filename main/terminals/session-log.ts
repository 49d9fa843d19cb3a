import { join } from 'node:path';
import { RotatingLog } from '../../agent/log/rotating-log';

export interface LogRotation {
  /** A log file is rotated before it would grow beyond this. */
  readonly maxBytes: number;
  /** Files kept: the current one and `files - 1` rotated ones. */
  readonly files: number;
}

export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, files: 5 };

// Ids become folder and file names: anything else could climb out of the logs folder.
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** `<dataDir>/logs/<server id>/<UTC date>-<terminal id>.log` */
export function sessionLogPath(dataDir: string, serverId: string, terminalId: string, now: Date): string {
  for (const id of [serverId, terminalId]) {
    if (!SAFE_ID.test(id)) throw new Error(`"${id}" cannot name a log file: ids are letters, digits, "_" and "-". This is a bug; please report it.`);
  }
  return join(dataDir, 'logs', serverId, `${now.toISOString().slice(0, 10)}-${terminalId}.log`);
}

/**
 * A terminal's transcript. Owner-only (0600 in a 0700 folder): it holds whatever crossed the terminal,
 * passwords typed at prompts included. Not compressed: people open transcripts in a pager or an editor,
 * and a few files of 10 MB per session are small enough as they are.
 */
export function openSessionLog(path: string, rotation: LogRotation = DEFAULT_LOG_ROTATION): RotatingLog {
  return new RotatingLog(path, { maxBytes: rotation.maxBytes, keep: { files: rotation.files }, mode: 0o600 });
}
