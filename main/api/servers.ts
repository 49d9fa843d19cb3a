import type { Result, Server } from '../../preload/api';
import { Emitter } from './emitter';
import { fail, invalid, ok } from './errors';
import type { ServerFields } from './server-rules';

/** One step along a chain of jump servers. */
export interface JumpHop {
  name: string;
  jumpServerId: string | null;
}

/** What the service needs from storage (main/store implements it over SQLite). */
export interface ServersStore {
  /** Ordered by name, case-insensitively. */
  list(): Server[];
  get(id: string): Server | undefined;
  create(fields: ServerFields): Server | 'duplicate-name';
  update(id: string, fields: ServerFields): Server | 'duplicate-name' | 'not-found';
  remove(id: string): boolean;
  /** Whether the vault holds a key with this id. */
  hasKey(id: string): boolean;
  /** The server's name and the server it connects through; undefined when there is no such server. */
  jumpHop(id: string): JumpHop | undefined;
  /** The names of the servers that connect through this one, ordered by name. */
  jumpingThrough(id: string): string[];
  /** Runs `work` as one write transaction, so what it checked still holds when it writes. */
  atomically<T>(work: () => T): T;
}

/**
 * The servers part of the contract. Its arguments arrive validated (see requests.ts); it owns the rules
 * that need the database.
 */
export class ServersApi {
  private readonly changed = new Emitter<Server[]>();
  readonly onChanged = this.changed.event;

  constructor(private readonly servers: ServersStore) {}

  async listServers(): Promise<Result<Server[]>> {
    return ok(this.servers.list());
  }

  async createServer(fields: ServerFields): Promise<Result<Server>> {
    const { servers } = this;
    return this.announceIfSaved(
      servers.atomically(() => {
        const problems = referenceProblems(servers, fields, null);
        if (problems) return invalid(problems);
        const created = servers.create(fields);
        return created === 'duplicate-name' ? duplicateName(fields.name) : ok(created);
      }),
    );
  }

  async updateServer(id: string, fields: ServerFields): Promise<Result<Server>> {
    const { servers } = this;
    return this.announceIfSaved(
      servers.atomically(() => {
        if (!servers.jumpHop(id)) return serverNotFound(id);
        const problems = referenceProblems(servers, fields, id);
        if (problems) return invalid(problems);
        const updated = servers.update(id, fields);
        if (updated === 'duplicate-name') return duplicateName(fields.name);
        return updated === 'not-found' ? serverNotFound(id) : ok(updated);
      }),
    );
  }

  async deleteServer(id: string): Promise<Result<{ id: string }>> {
    const { servers } = this;
    return this.announceIfSaved(
      servers.atomically(() => {
        const server = servers.jumpHop(id);
        if (!server) return serverNotFound(id);
        // The schema would quietly make them connect directly; a jump host is removed on purpose instead.
        const dependents = servers.jumpingThrough(id);
        if (dependents.length > 0) return stillAJumpServer(server.name, dependents);
        servers.remove(id);
        return ok({ id });
      }),
    );
  }

  /** Announces the list after a change made elsewhere that shows in it (a saved agent token). */
  announce(): void {
    // Listing costs a query, so skip it when nobody is listening.
    if (this.changed.size > 0) this.changed.fire(this.servers.list());
  }

  dispose(): void {
    this.changed.dispose();
  }

  // After the transaction has committed, so listeners never see a change that is then rolled back.
  private announceIfSaved<T>(result: Result<T>): Result<T> {
    if (result.ok) this.announce();
    return result;
  }
}

/**
 * The rules that need the database: the key and the jump server exist, and the jump servers do not lead
 * back to this server (`id`, null when it is being created and so nobody can point at it yet).
 */
function referenceProblems(servers: ServersStore, fields: ServerFields, id: string | null): Record<string, string> | null {
  const problems: Record<string, string> = {};
  if (fields.keyId !== null && !servers.hasKey(fields.keyId)) {
    problems.keyId = 'This key is no longer in the vault; choose another key or another authentication method';
  }
  const jump = fields.jumpServerId === null ? null : jumpProblem(servers, fields.name, fields.jumpServerId, id);
  if (jump) problems.jumpServerId = jump;
  return Object.keys(problems).length > 0 ? problems : null;
}

function jumpProblem(servers: ServersStore, name: string, jumpServerId: string, id: string | null): string | null {
  if (jumpServerId === id) return 'A server cannot be its own jump server; choose another server, or none';
  let hop = servers.jumpHop(jumpServerId);
  if (!hop) return 'This jump server no longer exists (deleted in another window?); choose another server, or none';
  const path = [name];
  // The seen set only guards against a loop already stored, which these very rules keep out.
  const seen = new Set([jumpServerId]);
  while (id !== null && hop) {
    path.push(hop.name);
    if (hop.jumpServerId === id) {
      return `Jumping through ${path[1]} leads back here (${[...path, name].join(' → ')}); choose a jump server that does not go through ${name}, or none`;
    }
    if (hop.jumpServerId === null || seen.has(hop.jumpServerId)) break;
    seen.add(hop.jumpServerId);
    hop = servers.jumpHop(hop.jumpServerId);
  }
  return null;
}

function stillAJumpServer(name: string, dependents: string[]): Result<never> {
  const list = dependents.map((dependent) => `"${dependent}"`).join(', ');
  return fail(
    'VALIDATION',
    `"${name}" is the jump server of ${list}. Give ${dependents.length === 1 ? 'that server' : 'those servers'} another jump server (or none) first, then delete "${name}".`,
  );
}

function duplicateName(name: string): Result<never> {
  const message = `A server named "${name}" already exists. Choose another name, or edit that server instead.`;
  return fail('DUPLICATE_NAME', message, { name: 'This name is already used by another server' });
}

export function serverNotFound(id: string): Result<never> {
  return fail('NOT_FOUND', `Server ${id} no longer exists; it may have been deleted in another window. Reload the list.`);
}
