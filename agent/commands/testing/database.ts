import { agentMigrations } from '../../migrations';
import { openDatabase, type Database } from '../../store/sqlite';
import { commandsMigration } from '../schema';

/** The agent's database as the executor finds it: steps 1 and 2 (queue, deploys), then the commands step. */
export function openCommandsDatabase(path: string): Database {
  return openDatabase({ path, migrations: [...agentMigrations, commandsMigration], product: 'Lifeline agent' });
}
