import type { Database } from '../store/sqlite';
import { jsonResponse } from './json';
import type { Route } from './route';

export interface HealthDeps {
  db: Pick<Database, 'prepare'>;
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
        const database = checkDatabase(deps.db);
        return database === 'ok'
          ? jsonResponse(200, { status: 'ready', checks: { database } })
          : jsonResponse(503, { status: 'not-ready', checks: { database } });
      },
    },
  ];
}

// A real read, not a flag: it fails when the connection is closed, the file is locked or damaged.
function checkDatabase(db: HealthDeps['db']): string {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get();
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
