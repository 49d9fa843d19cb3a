import { agentMigrations } from '../../migrations';
import { openDatabase, type Database } from '../../store/sqlite';

/** The agent's database as the executor finds it: every migration, the commands step included. */
export function openCommandsDatabase(path: string): Database {
  return openDatabase({ path, migrations: agentMigrations, product: 'Lifeline agent' });
}
