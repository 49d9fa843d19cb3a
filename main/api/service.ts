import type { AppInfo, EventName, LifelineEvents, Result, Server, Unsubscribe } from '../../preload/api';
import { Emitter } from './emitter';
import { fail, ok } from './errors';
import type { RequestHandlers } from './requests';
import type { ServerFields } from './server-rules';

/** What the service needs from storage (main/store implements it over SQLite). */
export interface ServersStore {
  /** Ordered by name, case-insensitively. */
  list(): Server[];
  create(fields: ServerFields): Server | 'duplicate-name';
  update(id: string, fields: ServerFields): Server | 'duplicate-name' | 'not-found';
  remove(id: string): boolean;
}

export interface ServiceDeps {
  servers: ServersStore;
  info: AppInfo;
}

type EventSources = { [K in EventName]: (listener: (value: LifelineEvents[K]) => void) => Unsubscribe };

/**
 * The one implementation of the renderer contract, shared by the desktop and the web console. Its
 * arguments arrive validated (see requests.ts); it owns the rules that need the database.
 */
export class LifelineService implements RequestHandlers {
  private readonly serversChanged = new Emitter<Server[]>();
  readonly events: EventSources = { serversChanged: this.serversChanged.event };

  constructor(private readonly deps: ServiceDeps) {}

  async getAppInfo(): Promise<Result<AppInfo>> {
    return ok(this.deps.info);
  }

  async listServers(): Promise<Result<Server[]>> {
    return ok(this.deps.servers.list());
  }

  async createServer(fields: ServerFields): Promise<Result<Server>> {
    const created = this.deps.servers.create(fields);
    if (created === 'duplicate-name') return duplicateName(fields.name);
    this.announceServers();
    return ok(created);
  }

  async updateServer(id: string, fields: ServerFields): Promise<Result<Server>> {
    const updated = this.deps.servers.update(id, fields);
    if (updated === 'duplicate-name') return duplicateName(fields.name);
    if (updated === 'not-found') return serverNotFound(id);
    this.announceServers();
    return ok(updated);
  }

  async deleteServer(id: string): Promise<Result<{ id: string }>> {
    if (!this.deps.servers.remove(id)) return serverNotFound(id);
    this.announceServers();
    return ok({ id });
  }

  dispose(): void {
    this.serversChanged.dispose();
  }

  private announceServers(): void {
    // Listing costs a query, so skip it when nobody is listening.
    if (this.serversChanged.size > 0) this.serversChanged.fire(this.deps.servers.list());
  }
}

/** Subscribes `send` to every event of the service; the transports call this once per client. */
export function forwardEvents(
  service: LifelineService,
  send: <K extends EventName>(name: K, value: LifelineEvents[K]) => void,
): Unsubscribe {
  const names = Object.keys(service.events) as EventName[];
  const unsubscribes = names.map((name) => service.events[name]((value) => send(name, value)));
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}

function duplicateName(name: string): Result<never> {
  const message = `A server named "${name}" already exists. Choose another name, or edit that server instead.`;
  return fail('DUPLICATE_NAME', message, { name: 'This name is already used by another server' });
}

function serverNotFound(id: string): Result<never> {
  return fail('NOT_FOUND', `Server ${id} no longer exists; it may have been deleted in another window. Reload the list.`);
}
