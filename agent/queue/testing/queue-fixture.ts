import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../store/sqlite';
import { JobQueue, type JobQueueOptions } from '../job-queue';
import type { JobRow } from '../job-row';
import { queueMigration } from '../schema';
import type { DeployRequest } from '../types';

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}

  readonly now = (): number => this.ms;

  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * A queue on a real WAL database file in its own temp folder, with a hand-moved clock and a fixed
 * jitter. `connect` opens more connections (and queues) on the same file; `dispose` closes them all.
 */
export class QueueFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'lifeline-queue-'));
  readonly path = join(this.dir, 'agent.db');
  readonly clock = new TestClock();
  readonly db: Database;
  readonly queue: JobQueue;
  private readonly connections: Database[] = [];

  constructor(private readonly options: JobQueueOptions = {}) {
    this.db = this.open();
    this.queue = new JobQueue(this.db, this.queueOptions());
  }

  /** Another connection to the same file, with its own queue, as a second worker would have. */
  connect(): { db: Database; queue: JobQueue } {
    const db = this.open();
    return { db, queue: new JobQueue(db, this.queueOptions()) };
  }

  /** The row exactly as stored, to prove a refused transition changed nothing. */
  row(id: number): JobRow | undefined {
    return this.db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?').get(id);
  }

  dispose(): void {
    for (const db of this.connections.splice(0)) db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private open(): Database {
    const db = openDatabase({ path: this.path, migrations: [queueMigration] });
    this.connections.push(db);
    return db;
  }

  private queueOptions(): JobQueueOptions {
    return { now: this.clock.now, random: () => 0.5, ...this.options };
  }
}

/** A push of `commit` to `siteId`'s main branch. */
export function deployRequest(siteId: string, commit = 'a'.repeat(40), extra: Partial<DeployRequest> = {}): DeployRequest {
  return { siteId, environment: 'production', repository: `acme/${siteId}`, branch: 'main', commit, event: 'push', ...extra };
}

/** A 40-hex commit made from a number, so a test can tell pushes apart. */
export function commitOf(n: number): string {
  return n.toString(16).padStart(40, '0');
}
