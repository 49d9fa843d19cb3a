import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { agentConfigSchema } from '../config';
import { killGroups, readPids } from '../deploy/testing/processes';
import { agentMigrations } from '../migrations';
import { JobQueue } from '../queue/job-queue';
import { openDatabase, type Database } from '../store/sqlite';

/** The agent's config as written in its file, before defaults and secret references are applied. */
export type AgentConfigFile = z.input<typeof agentConfigSchema>;
export type SiteConfigFile = NonNullable<AgentConfigFile['sites']>[number];
export type HookConfigFile = NonNullable<AgentConfigFile['hooks']>[number];

/**
 * A temp folder for agents under test: their config file and data dir, the webhook secret, a file where
 * test steps record their process ids (`echo $$ >> "$STEP_PIDS"`) and connections to the agents'
 * database. `dispose` kills the steps' process groups a killed agent left behind, closes the
 * connections and deletes the folder.
 */
export class AgentWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'lifeline-e2e-'));
  readonly dataDir = join(this.dir, 'data');
  readonly configFile = join(this.dir, 'agent.json');
  readonly secret = randomBytes(16).toString('hex');
  readonly stepPids = join(this.dir, 'step-pids');
  private readonly connections: Database[] = [];

  constructor() {
    writeFileSync(join(this.dir, 'webhook.secret'), `${this.secret}\n`, { mode: 0o600 });
  }

  /** What agents started for this workspace need in their environment (the steps read it). */
  get env(): NodeJS.ProcessEnv {
    return { STEP_PIDS: this.stepPids };
  }

  /** A generic hook for `site`, signed with this workspace's secret, taking pushes to main. */
  hook(id: string, site: string): HookConfigFile {
    return { id, source: 'generic', secret: 'file:webhook.secret', events: ['push'], site };
  }

  /** Writes the config file: the given hooks, sites and queue settings, with short shutdowns for tests. */
  writeConfig(config: Pick<AgentConfigFile, 'hooks' | 'sites' | 'queue'>): string {
    const file: AgentConfigFile = { dataDir: this.dataDir, shutdownTimeoutSeconds: 5, ...config };
    writeFileSync(this.configFile, `${JSON.stringify(file, null, 2)}\n`);
    return this.configFile;
  }

  /** A connection to the agents' database, as a third process on the file would have. */
  openQueue(): { db: Database; queue: JobQueue } {
    const db = openDatabase({ path: join(this.dataDir, 'agent.db'), migrations: agentMigrations, product: 'Lifeline agent' });
    this.connections.push(db);
    return { db, queue: new JobQueue(db) };
  }

  /** The path of a file in the workspace. */
  file(name: string): string {
    return join(this.dir, name);
  }

  /** The non-empty lines of a file in the workspace, or none when it does not exist yet. */
  lines(name: string): string[] {
    try {
      return readFileSync(this.file(name), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  dispose(): void {
    killGroups(readPids(this.stepPids));
    for (const db of this.connections.splice(0)) db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
