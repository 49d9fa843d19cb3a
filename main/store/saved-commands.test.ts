import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Server } from '../../preload/api';
import { serverInputSchema } from '../api/server-rules';
import { openLifelineStore, type LifelineStore } from './index';
import type { SavedCommandFields } from './saved-commands';

let dir: string;
let store: LifelineStore;
let web: Server;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-saved-commands-'));
  store = openLifelineStore(dir);
  web = store.servers.create(serverInputSchema.parse({ name: 'web-1', host: 'web-1.example.com', user: 'ops', group: 'prod' })) as Server;
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const uptime = (more: Partial<SavedCommandFields> = {}): SavedCommandFields => ({ name: 'uptime', argv: ['uptime'], script: null, target: { serverId: web.id }, dangerous: false, ...more });

describe('SavedCommandsRepository', () => {
  it('creates, lists by name, replaces and removes saved commands with their target names', () => {
    const restart = store.savedCommands.save(undefined, uptime({ name: 'Restart', argv: null, script: 'systemctl restart app', target: { groupId: web.groupId! }, dangerous: true }));
    const created = store.savedCommands.save(undefined, uptime());
    expect(created).toMatchObject({ name: 'uptime', argv: ['uptime'], script: null, target: { serverId: web.id, name: 'web-1' }, dangerous: false });
    expect(restart).toMatchObject({ script: 'systemctl restart app', argv: null, target: { groupId: web.groupId, name: 'prod' }, dangerous: true });
    expect(store.savedCommands.list().map((command) => command.name)).toEqual(['Restart', 'uptime']);

    if (typeof created === 'string') throw new Error(created);
    const replaced = store.savedCommands.save(created.id, uptime({ name: 'load', argv: ['cat', '/proc/loadavg'] }));
    expect(replaced).toMatchObject({ id: created.id, name: 'load', argv: ['cat', '/proc/loadavg'], createdAt: created.createdAt });
    expect(store.savedCommands.remove(created.id)).toBe(true);
    expect(store.savedCommands.remove(created.id)).toBe(false);
    expect(store.savedCommands.list().map((command) => command.name)).toEqual(['Restart']);
  });

  it('refuses a taken name in any case, a missing target or id, and writes nothing then', () => {
    store.savedCommands.save(undefined, uptime());
    expect(store.savedCommands.save(undefined, uptime({ name: 'UPTIME' }))).toBe('duplicate-name');
    expect(store.savedCommands.save(undefined, uptime({ name: 'x', target: { serverId: 'gone' } }))).toBe('no-such-server');
    expect(store.savedCommands.save(undefined, uptime({ name: 'y', target: { groupId: 'gone' } }))).toBe('no-such-group');
    expect(store.savedCommands.save('no-such-id', uptime({ name: 'z' }))).toBe('not-found');
    expect(store.savedCommands.list().map((command) => command.name)).toEqual(['uptime']);
  });

  it('keeps a command whose server is deleted, without a target', () => {
    const saved = store.savedCommands.save(undefined, uptime());
    if (typeof saved === 'string') throw new Error(saved);
    store.servers.remove(web.id);
    expect(store.savedCommands.get(saved.id)).toMatchObject({ name: 'uptime', target: null });
  });
});
