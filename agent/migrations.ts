import type { Migration } from './store/sqlite';

/** The agent database's schema, step by step (numbered 1..N). Empty until the webhook queue needs tables. */
export const agentMigrations: readonly Migration[] = [];
