import { agentMigrations } from '../migrations';
import { openDatabase } from '../store/sqlite';
import { CommandExecutor } from './executor';
import type { CommandsOptions } from './options';

/** The executor over the agent database at `path`, for a process of its own (run-command); close ends both. */
export function openExecutor(path: string, options: CommandsOptions): { executor: CommandExecutor; close(): Promise<void> } {
  const db = openDatabase({ path, migrations: agentMigrations, product: 'Lifeline agent' });
  const executor = new CommandExecutor({ db, options });
  return {
    executor,
    async close() {
      await executor.close();
      db.close();
    },
  };
}
