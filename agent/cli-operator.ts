import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentCliIo } from './cli';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config';
import { agentMigrations } from './migrations';
import { JobQueue } from './queue/job-queue';
import { openDatabase, StoreError, type Database } from './store/sqlite';

// What the operator commands (status, jobs, retry, cancel) share: the agent's config, its database
// opened beside a running agent (SQLite's WAL lets both in), and one way of failing.

/** A refusal already explained to the user; the command ends with exit code 2. */
export class CommandRefusal extends Error {
  override readonly name = 'CommandRefusal';
}

export interface OperatorContext {
  config: AgentConfig;
  databasePath: string;
  /** The agent's queue, or undefined when the agent has never run with this config (no database yet). */
  queue: JobQueue | undefined;
}

/**
 * Loads the config (its secrets left unresolved: these commands never use them), opens the database if
 * it exists, runs `work`, and closes the database. Exit code 2 for a refusal (bad input, a config or
 * database problem, no such job), 1 for anything unexpected, each as one line on stderr.
 */
export async function withOperatorContext(
  command: string,
  configFile: string | undefined,
  io: AgentCliIo,
  work: (context: OperatorContext) => number | Promise<number>,
): Promise<number> {
  let db: Database | undefined;
  try {
    const config = loadAgentConfig(configFile, {}, process.env, { secrets: 'unresolved' });
    const databasePath = join(config.dataDir, 'agent.db');
    // Opening creates a missing file; a mistyped --config must not leave an empty database behind.
    if (existsSync(databasePath)) db = openDatabase({ path: databasePath, migrations: agentMigrations, product: 'Lifeline agent' });
    const queue = db && new JobQueue(db, { backoffSeconds: config.queue.backoffSeconds, maxAttempts: config.queue.maxAttempts, leaseSeconds: config.queue.leaseSeconds });
    return await work({ config, databasePath, queue });
  } catch (error) {
    if (error instanceof ConfigError) {
      error.problems.forEach((problem) => io.err(problem));
      return 2;
    }
    if (error instanceof StoreError || error instanceof CommandRefusal) {
      io.err(`lifeline agent ${command}: ${error.message}`);
      return 2;
    }
    io.err(`lifeline agent ${command}: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    db?.close();
  }
}

/** The queue, or a refusal saying there is no database at the config's data folder. */
export function requireQueue({ queue, databasePath }: OperatorContext): JobQueue {
  if (queue) return queue;
  throw new CommandRefusal(`there is no agent database at ${databasePath} yet, so no jobs; check --config (the agent's config file names its dataDir).`);
}

/** "45s", "3m 02s", "2h 05m", "3d 4h": short and exact enough for a terminal. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
