import type { Database } from '../../agent/store/sqlite';
import type { LayerName } from '../links/adapters/layer';

/** One health probe of one layer of one server. */
export interface LinkSample {
  readonly serverId: string;
  readonly layer: LayerName;
  /** ISO 8601 (UTC). */
  readonly at: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  /** Why the probe failed (redacted), null when it succeeded. */
  readonly error: string | null;
}

interface Row {
  server_id: string;
  layer: LayerName;
  at: string;
  ok: 0 | 1;
  latency_ms: number;
  error: string | null;
}

const COLUMNS = 'server_id, layer, at, ok, latency_ms, error';

/** Probe results per server and layer (schema step 3), for the links page and `lifeline links`. */
export class LinkSamplesRepository {
  private readonly statements;

  constructor(db: Database) {
    this.statements = {
      insert: db.prepare<[Row]>(`INSERT INTO link_samples (${COLUMNS}) VALUES (:server_id, :layer, :at, :ok, :latency_ms, :error)`),
      // The newest row per layer: SQLite returns the bare columns of the row that holds max(at).
      latest: db.prepare<[string], Row>(`SELECT server_id, layer, max(at) AS at, ok, latency_ms, error FROM link_samples WHERE server_id = ? GROUP BY layer`),
      recent: db.prepare<[string, string, number], Row>(`SELECT ${COLUMNS} FROM link_samples WHERE server_id = ? AND layer = ? ORDER BY at DESC LIMIT ?`),
      since: db.prepare<[string, string], Row>(`SELECT ${COLUMNS} FROM link_samples WHERE server_id = ? AND at >= ? ORDER BY at`),
      prune: db.prepare<[string]>('DELETE FROM link_samples WHERE at < ?'),
    };
  }

  add(sample: LinkSample): void {
    this.statements.insert.run({
      server_id: sample.serverId,
      layer: sample.layer,
      at: sample.at,
      ok: sample.ok ? 1 : 0,
      latency_ms: sample.latencyMs,
      error: sample.error,
    });
  }

  /** The newest sample of each layer of the server that has any. */
  latest(serverId: string): LinkSample[] {
    return this.statements.latest.all(serverId).map(toSample);
  }

  /** The newest `limit` samples of one layer of the server, newest first. */
  recent(serverId: string, layer: LayerName, limit: number): LinkSample[] {
    return this.statements.recent.all(serverId, layer, limit).map(toSample);
  }

  /** The server's samples from `since` (ISO 8601) on, oldest first: a latency chart's points. */
  since(serverId: string, since: string): LinkSample[] {
    return this.statements.since.all(serverId, since).map(toSample);
  }

  /** Deletes samples older than `before` (ISO 8601); returns how many. */
  prune(before: string): number {
    return this.statements.prune.run(before).changes;
  }
}

function toSample(row: Row): LinkSample {
  return { serverId: row.server_id, layer: row.layer, at: row.at, ok: row.ok === 1, latencyMs: row.latency_ms, error: row.error };
}
