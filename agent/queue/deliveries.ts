import type { Database } from '../store/sqlite';

/** An accepted webhook delivery: its dedupe key and the job it made. */
export interface Delivery {
  hookId: string;
  deliveryId: string;
  jobId: number;
  receivedAt: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DELIVERY_COLUMNS = 'hook_id AS hookId, delivery_id AS deliveryId, job_id AS jobId, received_at AS receivedAt';

/** The deliveries table: dedupe lookups, the record written beside each job, listing and pruning. */
export class Deliveries {
  private readonly statements;

  constructor(db: Database) {
    this.statements = {
      jobOf: db
        .prepare<[{ hookId: string; deliveryId: string }], number>(
          'SELECT job_id FROM deliveries WHERE hook_id = @hookId AND delivery_id = @deliveryId',
        )
        .pluck(),
      insert: db.prepare<[Delivery]>(
        'INSERT INTO deliveries (hook_id, delivery_id, job_id, received_at) VALUES (@hookId, @deliveryId, @jobId, @receivedAt)',
      ),
      list: db.prepare<[{ limit: number }], Delivery>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries ORDER BY received_at DESC LIMIT @limit`,
      ),
      listOfHook: db.prepare<[{ hookId: string; limit: number }], Delivery>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE hook_id = @hookId ORDER BY received_at DESC LIMIT @limit`,
      ),
      prune: db.prepare<[{ before: number }]>('DELETE FROM deliveries WHERE received_at < @before'),
    };
  }

  jobOf(hookId: string, deliveryId: string): number | undefined {
    return this.statements.jobOf.get({ hookId, deliveryId });
  }

  record(delivery: Delivery): void {
    this.statements.insert.run(delivery);
  }

  /** Newest first. */
  list(hookId: string | undefined, limit: number): Delivery[] {
    return hookId === undefined ? this.statements.list.all({ limit }) : this.statements.listOfHook.all({ hookId, limit });
  }

  /** Deletes records received more than `days` before `now`; their jobs stay. Returns how many went. */
  prune(days: number, now: number): number {
    return this.statements.prune.run({ before: now - days * DAY_MS }).changes;
  }
}
