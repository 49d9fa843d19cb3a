import { statfsSync } from 'node:fs';
import type { Database } from '../store/sqlite';
import { jsonResponse } from './json';
import type { Route } from './route';

export interface HealthDeps {
  db: Pick<Database, 'prepare' | 'exec'>;
  /** The folder whose file system holds the database and logs. */
  dataDir: string;
  /** Below this many free bytes there, the agent is not ready: a full disk would fail the next enqueue. */
  minFreeBytes: number;
  /** Free bytes for a folder (a test replaces it to fake a full disk); defaults to statfs. */
  freeBytes?: (dir: string) => number;
  version: string;
  /** Epoch milliseconds. */
  startedAt: number;
}

/**
 * GET /health says the process answers (for a liveness probe); GET /health/ready says it can do its
 * work, which needs the database (for a readiness probe or a load balancer).
 */
export function healthRoutes(deps: HealthDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/health',
      handle: () =>
        jsonResponse(200, {
          status: 'ok',
          version: deps.version,
          uptimeSeconds: Math.max(0, Math.floor((Date.now() - deps.startedAt) / 1000)),
        }),
    },
    {
      method: 'GET',
      path: '/health/ready',
      handle: () => {
        const checks = { database: checkDatabase(deps.db), disk: checkDisk(deps) };
        return Object.values(checks).every((check) => check === 'ok')
          ? jsonResponse(200, { status: 'ready', checks })
          : jsonResponse(503, { status: 'not-ready', checks });
      },
    },
  ];
}

// A real read and a real write lock, not a flag: it fails when the connection is closed, the file is
// damaged, read-only, or held by a writer that never lets go.
function checkDatabase(db: HealthDeps['db']): string {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
    db.exec('BEGIN IMMEDIATE; ROLLBACK');
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function checkDisk(deps: HealthDeps): string {
  try {
    const free = (deps.freeBytes ?? freeBytes)(deps.dataDir);
    if (free >= deps.minFreeBytes) return 'ok';
    const mib = (bytes: number) => `${Math.floor(bytes / 1024 / 1024)} MiB`;
    return `only ${mib(free)} free for ${deps.dataDir} (the floor is ${mib(deps.minFreeBytes)}); free some space there`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}
