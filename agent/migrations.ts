import { commandsMigration } from './commands/schema';
import { deployMigration } from './deploy/schema';
import { queueMigration } from './queue/schema';
import type { Migration } from './store/sqlite';

/** The agent database's schema, step by step (numbered 1..N): the job queue, deploys and releases, the command ledger. */
export const agentMigrations: readonly Migration[] = [queueMigration, deployMigration, commandsMigration];
