import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';

export type Located = { path: string } | { error: string };

// What execvp falls back to when PATH is unset.
const DEFAULT_PATH = '/usr/bin:/bin';

/**
 * Finds a program the way execvp does: a name with a slash relative to `cwd`, any other in each folder
 * of PATH in turn (an empty entry meaning `cwd`). The error says what is wrong and what to check.
 */
export function locateProgram(program: string, cwd: string, path: string | undefined): Located {
  const candidates = program.includes('/') ? [resolve(cwd, program)] : (path ?? DEFAULT_PATH).split(':').map((folder) => resolve(cwd, folder, program));
  let denied = false;
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(file, constants.X_OK);
      return { path: file };
    } catch {
      // execvp goes on looking, and reports EACCES only when no folder has a runnable one.
      denied = true;
    }
  }
  return { error: denied ? `${program} is not executable (check its permissions)` : `${program} was not found (check the path, or PATH)` };
}
