import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from './sqlite';

// SQLite in WAL mode copies the log back into the database (a checkpoint) from whichever commit crosses
// 1,000 pages, inside that commit, on the caller's thread. For the agent that is the event loop: the
// webhook benchmark saw an acknowledgement wait 4–9 ms, sometimes 300 ms, behind a checkpoint's writes
// and fsync. Here the busy connection stops checkpointing and a worker thread with a connection of its
// own checkpoints on a timer instead. PASSIVE never waits for readers or writers, so neither side blocks.

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Busy or locked: the next tick tries again. Anything else is worth saying once per tick.
    if (!/SQLITE_BUSY|SQLITE_LOCKED/.test(String(error && error.code))) parentPort.postMessage(String(error && error.message));
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } finally { db.close(); parentPort.close(); }
});
`;

export interface Checkpointer {
  /** Stops the worker after a last checkpoint; the caller then closes its own connection. */
  stop(): Promise<void>;
}

/** Moves `db`'s WAL checkpoints to a worker thread that checkpoints every `intervalMs`. */
export function checkpointInBackground(db: Database, options: { intervalMs?: number; onProblem?: (message: string) => void } = {}): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // The worker loads the same driver the caller uses, by its resolved path: an eval'd worker has no
    // module folder of its own to resolve a bare name from.
    workerData: { path: db.name, driver: createRequire(__filename).resolve('better-sqlite3'), intervalMs: options.intervalMs ?? 1_000 },
  });
  worker.on('message', (message: string) => options.onProblem?.(`WAL checkpoint failed: ${message}`));
  worker.on('error', (error) => options.onProblem?.(`the checkpoint thread stopped: ${error.message}`));
  db.pragma('wal_autocheckpoint = 0');
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }).then(() => {
        // Back to SQLite's own checkpoints for whatever the connection still writes.
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
      });
      return stopped;
    },
  };
}
