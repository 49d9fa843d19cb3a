import { openDatabase, type Database, type Migration } from '../../store/sqlite';
import { deployMigration } from '../schema';

// The deploy tables are step 2 of the agent's schema; step 1 (the queue's) is not needed by this part.
const queueStepStandIn: Migration = { version: 1, name: 'queue tables (not needed by deploy tests)', up: () => undefined };

export function openDeployDatabase(path: string): Database {
  return openDatabase({ path, migrations: [queueStepStandIn, deployMigration] });
}
