import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Server } from '../../preload/api';
import { StoreError } from '../../agent/store/sqlite';
import { serverInputSchema, type ServerFields } from '../api/server-rules';
import { openLifelineStore, type LifelineStore } from './index';

let dir: string;
let store: LifelineStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-servers-'));
  store = openLifelineStore(dir);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

// Through the real schema, so the repository gets exactly what the service hands it.
function fields(input: Record<string, unknown>): ServerFields {
  return serverInputSchema.parse({ host: 'example.com', user: 'deploy', ...input });
}

function create(input: Record<string, unknown>): Server {
  const server = store.servers.create(fields(input));
  if (server === 'duplicate-name') throw new Error(`unexpected duplicate name ${String(input.name)}`);
  return server;
}

// A second connection to the same file, for what the repository does not expose.
function query<T>(sql: string): T[] {
  const db = new BetterSqlite3(store.path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

// The vault owns the keys table; a bare row is enough for the servers that point at it.
function addKey(id: string): void {
  const db = new BetterSqlite3(store.path);
  try {
    db.prepare(
      "INSERT INTO keys (id, name, type, bits, fingerprint, public_key, secret, created_at) VALUES (?, ?, 'ssh-ed25519', 256, ?, 'ssh-ed25519 AAAA', x'00', 'now')",
    ).run(id, id, `SHA256:${id}`);
  } finally {
    db.close();
  }
}

const groupNames = () => query<{ name: string }>('SELECT name FROM groups ORDER BY name').map((row) => row.name);

describe('ServersRepository', () => {
  it('creates a server with its defaults and lists it', () => {
    const server = create({ name: 'web-1' });
    expect(server).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'web-1',
      host: 'example.com',
      port: 22,
      user: 'deploy',
      tags: [],
      group: null,
      groupId: null,
      auth: 'agent',
      keyId: null,
      jumpServerId: null,
      agentForwarding: false,
      strictHostKeyChecking: 'ask',
      keepaliveInterval: 10,
      keepaliveCountMax: 3,
      tmuxSession: null,
      sessionLog: false,
      link: { agent: null, agentTokenSaved: false, agentCommand: null, triggerDir: null, tmuxSocket: null, layers: ['bridge', 'tmux', 'trigger', 'exec'] },
      createdAt: server.updatedAt,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(store.servers.list()).toEqual([server]);
  });

  it('lists servers by name, ignoring case', () => {
    for (const name of ['beta', 'Alpha', 'gamma', 'Delta']) create({ name });
    expect(store.servers.list().map((s) => s.name)).toEqual(['Alpha', 'beta', 'Delta', 'gamma']);
  });

  it('refuses a duplicate name in any case, and keeps no group made for it', () => {
    create({ name: 'Web-1' });
    expect(store.servers.create(fields({ name: 'web-1', group: 'staging' }))).toBe('duplicate-name');
    expect(store.servers.list().map((s) => s.name)).toEqual(['Web-1']);
    expect(groupNames()).toEqual([]);
  });

  it('replaces every field on update, keeping id and creation time', () => {
    const original = create({ name: 'db-1', port: 2222, tags: ['db'], group: 'prod' });
    const updated = store.servers.update(original.id, fields({ name: 'db-main', host: '10.0.0.5', user: 'root' }));
    expect(updated).toEqual({
      ...original,
      name: 'db-main',
      host: '10.0.0.5',
      port: 22,
      user: 'root',
      tags: [],
      group: null,
      groupId: null,
      createdAt: original.createdAt,
      updatedAt: expect.any(String),
    });
    expect((updated as Server).updatedAt >= original.updatedAt).toBe(true);
    expect(store.servers.list()).toEqual([updated]);
  });

  it('refuses renaming onto another server in any case, but allows a new case of its own name', () => {
    create({ name: 'alpha' });
    const beta = create({ name: 'beta' });
    expect(store.servers.update(beta.id, fields({ name: 'ALPHA' }))).toBe('duplicate-name');
    expect(store.servers.list().map((s) => s.name)).toEqual(['alpha', 'beta']);

    const renamed = store.servers.update(beta.id, fields({ name: 'Beta' }));
    expect(renamed).toMatchObject({ id: beta.id, name: 'Beta' });
  });

  it('reports an update of a missing id as not-found, creating nothing', () => {
    expect(store.servers.update('no-such-id', fields({ name: 'ghost', group: 'nowhere' }))).toBe('not-found');
    expect(store.servers.list()).toEqual([]);
    expect(groupNames()).toEqual([]);
  });

  it('removes a server once', () => {
    const server = create({ name: 'old' });
    expect(store.servers.remove(server.id)).toBe(true);
    expect(store.servers.remove(server.id)).toBe(false);
    expect(store.servers.list()).toEqual([]);
  });

  it('shares a group between servers by name, ignoring case, and keeps it when one is deleted', () => {
    const first = create({ name: 'web-1', group: 'Production' });
    const second = create({ name: 'web-2', group: 'production' });
    expect(first.group).toBe('Production');
    expect(second.group).toBe('Production');
    expect(groupNames()).toEqual(['Production']);

    expect(store.servers.remove(first.id)).toBe(true);
    expect(store.servers.list()).toEqual([second]);
    expect(groupNames()).toEqual(['Production']);
  });

  it('moves a server between groups and out of any group', () => {
    const server = create({ name: 'web-1', group: 'staging' });
    expect(store.servers.update(server.id, fields({ name: 'web-1', group: 'prod' }))).toMatchObject({ group: 'prod' });
    expect(store.servers.update(server.id, fields({ name: 'web-1', group: '' }))).toMatchObject({ group: null });
    expect(groupNames()).toEqual(['prod', 'staging']);
  });

  it('keeps tags in the order given', () => {
    const server = create({ name: 'web-1', tags: ['web', 'prod', 'eu-1', 'a'] });
    expect(server.tags).toEqual(['web', 'prod', 'eu-1', 'a']);
    expect(store.servers.list()[0]!.tags).toEqual(['web', 'prod', 'eu-1', 'a']);
    expect(store.servers.update(server.id, fields({ name: 'web-1', tags: ['z', 'b'] }))).toMatchObject({ tags: ['z', 'b'] });
  });

  it('stores the agent link given, keeps it when an update omits it, and changes only the link fields given', async () => {
    const fingerprint = `SHA256:${'A'.repeat(43)}`;
    const server = create({
      name: 'app-1',
      group: 'prod',
      link: { agent: { host: '10.0.0.9', port: 8899, tlsFingerprint: fingerprint }, triggerDir: '/var/lib/lifeline/trigger', layers: ['trigger', 'bridge'] },
    });
    expect(server.groupId).toEqual(expect.any(String));
    expect(server.link).toEqual({
      agent: { host: '10.0.0.9', port: 8899, tlsFingerprint: fingerprint },
      agentTokenSaved: false,
      agentCommand: null,
      triggerDir: '/var/lib/lifeline/trigger',
      tmuxSocket: null,
      layers: ['trigger', 'bridge'],
    });
    // What the link manager reads is the same row.
    expect(store.serverLinks.get(server.id)).toMatchObject({ triggerDir: '/var/lib/lifeline/trigger', layers: ['trigger', 'bridge'] });

    const renamed = store.servers.update(server.id, fields({ name: 'app-main', group: 'prod' })) as Server;
    expect(renamed.link).toEqual(server.link);
    const changed = store.servers.update(server.id, fields({ name: 'app-main', link: { agent: null, tmuxSocket: 'ops' } })) as Server;
    expect(changed.link).toEqual({ ...server.link, agent: null, tmuxSocket: 'ops' });

    await store.vault.initialize({ passphrase: 'a long vault passphrase' });
    store.vault.setAgentToken(server.id, 'agent-token-0123456789');
    expect(store.servers.get(server.id)?.link.agentTokenSaved).toBe(true);
  });

  it('stores and reads back every SSH setting, and replaces them all on update', () => {
    addKey('key-1');
    const bastion = create({ name: 'bastion' });
    const ssh = {
      auth: 'key',
      keyId: 'key-1',
      jumpServerId: bastion.id,
      agentForwarding: true,
      strictHostKeyChecking: 'accept-new',
      keepaliveInterval: 3600,
      keepaliveCountMax: 100,
      tmuxSession: 'ops-main',
      sessionLog: true,
    } as const;
    const server = create({ name: 'db-1', ...ssh });
    expect(server).toMatchObject(ssh);
    expect(store.servers.list().find((s) => s.id === server.id)).toEqual(server);

    const other = {
      auth: 'keyboard-interactive',
      keyId: null,
      jumpServerId: null,
      agentForwarding: false,
      strictHostKeyChecking: 'no',
      keepaliveInterval: 0,
      keepaliveCountMax: 1,
      tmuxSession: null,
      sessionLog: false,
    } as const;
    expect(store.servers.update(server.id, fields({ name: 'db-1', ...other }))).toMatchObject(other);
    // An update that leaves them out resets them to their defaults: the contract replaces everything.
    expect(store.servers.update(server.id, fields({ name: 'db-1', ...ssh }))).toMatchObject(ssh);
    expect(store.servers.update(server.id, fields({ name: 'db-1' }))).toMatchObject({ auth: 'agent', keyId: null, jumpServerId: null, tmuxSession: null });
  });

  it('answers the questions the service rules ask', () => {
    addKey('key-1');
    expect(store.servers.hasKey('key-1')).toBe(true);
    expect(store.servers.hasKey('key-2')).toBe(false);

    const bastion = create({ name: 'bastion' });
    const web = create({ name: 'web', jumpServerId: bastion.id });
    const api = create({ name: 'API', jumpServerId: bastion.id });
    expect(store.servers.jumpHop(web.id)).toEqual({ name: 'web', jumpServerId: bastion.id });
    expect(store.servers.jumpHop(bastion.id)).toEqual({ name: 'bastion', jumpServerId: null });
    expect(store.servers.jumpHop('missing')).toBeUndefined();
    expect(store.servers.jumpingThrough(bastion.id)).toEqual(['API', 'web']);
    expect(store.servers.jumpingThrough(api.id)).toEqual([]);
  });

  it('rolls back everything done inside atomically() when it throws', () => {
    expect(() =>
      store.servers.atomically(() => {
        create({ name: 'first', group: 'g' });
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(store.servers.list()).toEqual([]);
    expect(groupNames()).toEqual([]);

    const kept = store.servers.atomically(() => {
      // A refused write inside keeps the rest of the transaction.
      create({ name: 'one' });
      return store.servers.create(fields({ name: 'ONE' }));
    });
    expect(kept).toBe('duplicate-name');
    expect(store.servers.list().map((s) => s.name)).toEqual(['one']);
  });

  it('still has everything after close and reopen', () => {
    create({ name: 'web-1', tags: ['web'], group: 'prod' });
    const bastion = create({ name: 'bastion' });
    create({ name: 'db-1', port: 5022, jumpServerId: bastion.id, tmuxSession: 'db', sessionLog: true, auth: 'password' });
    const before = store.servers.list();
    store.close();
    store = openLifelineStore(dir);
    expect(store.servers.list()).toEqual(before);
  });

  it('has a schema that refuses bad rows even past the repository', () => {
    const db = new BetterSqlite3(store.path);
    db.pragma('foreign_keys = ON'); // per connection, as openDatabase sets it
    try {
      const insert = db.prepare(
        "INSERT INTO servers (id, name, host, port, user, tags, created_at, updated_at) VALUES (?, ?, 'h', ?, 'u', ?, 'now', 'now')",
      );
      expect(() => insert.run('a', 'a', 0, '[]')).toThrow(/CHECK constraint failed/);
      expect(() => insert.run('b', 'b', 'twenty-two', '[]')).toThrow(/cannot store TEXT value in INTEGER column/);
      expect(() => insert.run('c', 'c', 22, '{"web":1}')).toThrow(/CHECK constraint failed/);
      expect(() =>
        db.prepare("INSERT INTO servers (id, name, host, port, user, group_id, created_at, updated_at) VALUES ('d', 'd', 'h', 22, 'u', 'no-group', 'now', 'now')").run(),
      ).toThrow(/FOREIGN KEY constraint failed/);

      insert.run('e', 'e', 22, '[]');
      const set = (assignment: string) => () => db.prepare(`UPDATE servers SET ${assignment} WHERE id = 'e'`).run();
      expect(set("jump_server_id = 'e'")).toThrow(/CHECK constraint failed/);
      expect(set("jump_server_id = 'nowhere'")).toThrow(/FOREIGN KEY constraint failed/);
      expect(set("key_id = 'no-key'")).toThrow(/FOREIGN KEY constraint failed/);
      expect(set("auth = 'publickey'")).toThrow(/CHECK constraint failed/);
      expect(set("strict_host_key_checking = 'maybe'")).toThrow(/CHECK constraint failed/);
      expect(set('keepalive_interval = 3601')).toThrow(/CHECK constraint failed/);
      expect(set('keepalive_count_max = 0')).toThrow(/CHECK constraint failed/);
      expect(set("tmux_session = ''")).toThrow(/CHECK constraint failed/);
      expect(set('agent_forwarding = 2')).toThrow(/CHECK constraint failed/);
      expect(set('session_log = 2')).toThrow(/CHECK constraint failed/);
    } finally {
      db.close();
    }
  });
});

describe('openLifelineStore', () => {
  it('keeps its data in <dataDir>/lifeline.db', () => {
    expect(store.path).toBe(join(dir, 'lifeline.db'));
    expect(existsSync(store.path)).toBe(true);
  });

  it('refuses a damaged lifeline.db without touching it', () => {
    const other = mkdtempSync(join(tmpdir(), 'lifeline-damaged-'));
    try {
      const path = join(other, 'lifeline.db');
      writeFileSync(path, Buffer.from('not a database, just some bytes that were once a database'.repeat(80)));
      const before = createHash('sha256').update(readFileSync(path)).digest('hex');

      let refused: unknown;
      try {
        openLifelineStore(other).close();
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(StoreError);
      expect((refused as StoreError).code).toBe('CORRUPT');
      expect((refused as StoreError).path).toBe(path);
      expect((refused as StoreError).message).toContain(`${path} is not a Lifeline database`);
      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(before);
      expect(existsSync(`${path}-wal`)).toBe(false);
      expect(existsSync(`${path}-shm`)).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
