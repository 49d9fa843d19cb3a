import { join } from 'node:path';
import { openDatabase } from '../../agent/store/sqlite';
import { desktopMigrations } from './migrations';
import { ServersRepository } from './servers-repository';

/** The desktop's database and its repositories; whoever opens it closes it. */
export interface LifelineStore {
  readonly path: string;
  readonly servers: ServersRepository;
  close(): void;
}

/**
 * Opens `<dataDir>/lifeline.db`, creating or upgrading it. Throws StoreError (from agent/store/sqlite)
 * with the path and what to do when the file is damaged, unreadable or from a newer version.
 */
export function openLifelineStore(dataDir: string): LifelineStore {
  const path = join(dataDir, 'lifeline.db');
  const db = openDatabase({ path, migrations: desktopMigrations, product: 'Lifeline' });
  return {
    path,
    servers: new ServersRepository(db),
    close: () => {
      db.close();
    },
  };
}
