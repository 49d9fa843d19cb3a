import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandResult } from '../protocol/messages';

/**
 * Writes `<dir>/<name>` so that a reader sees either nothing or the whole answer: the JSON goes to
 * `<name>.tmp`, is flushed to disk, and only then renamed into place.
 */
export async function writeAnswer(dir: string, name: string, answer: CommandResult): Promise<void> {
  const temp = join(dir, `${name}.tmp`);
  // A leftover (a crash mid-write, or anything planted) goes first; "wx" then creates a fresh file and
  // never follows a link.
  await rm(temp, { force: true });
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(answer)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, join(dir, name));
}
