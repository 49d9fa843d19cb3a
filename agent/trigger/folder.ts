import type { Stats } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';

/** The trigger folder cannot be used; the message says why and what to do. */
export class TriggerError extends Error {
  override readonly name = 'TriggerError';
}

/**
 * Creates the folder (0700) when missing and refuses one that others could use: whoever can write into
 * it can make the agent run commands, and whoever can read it sees every command and its output.
 * Resolves with the folder's own lstat.
 */
export async function prepareTriggerFolder(dir: string): Promise<Stats> {
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    // Something that is not a folder is in the way: the checks below say what it is.
    if (error.code !== 'EEXIST' && error.code !== 'ENOTDIR') throw error;
  });
  const info = await lstat(dir);
  if (info.isSymbolicLink()) {
    throw new TriggerError(`The trigger folder ${dir} is a symbolic link; point the agent's trigger.dir at the real folder, so that nobody can redirect it.`);
  }
  if (!info.isDirectory()) {
    throw new TriggerError(`The trigger folder ${dir} exists but is not a folder; move it away or set the agent's trigger.dir to another path.`);
  }
  // process.getuid exists wherever the agent runs (Linux); the check is skipped only where uids do not exist.
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new TriggerError(`The trigger folder ${dir} belongs to uid ${info.uid}, not to the agent's user (uid ${uid}); run chown ${uid} ${dir}, or use a folder of the agent's own.`);
  }
  if ((info.mode & 0o077) !== 0) {
    throw new TriggerError(`The trigger folder ${dir} has mode ${(info.mode & 0o777).toString(8)}, so other users can reach it; run chmod 700 ${dir}.`);
  }
  return info;
}
