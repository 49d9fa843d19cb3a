import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where an installation keeps its data: $LIFELINE_HOME when set (every mode honours it), else the
 * platform's user-data folder. The desktop, the web console and the CLI share it; the agent keeps its
 * own files in `agent/` below it.
 */
export function resolveDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.LIFELINE_HOME) return env.LIFELINE_HOME;
  switch (platform) {
    case 'win32':
      return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'Lifeline');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Lifeline');
    default:
      return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'lifeline');
  }
}
