import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../agent/store/sqlite';
import { serverInputSchema } from '../api/server-rules';
import { Vault } from '../vault';
import { openLifelineStore, type LifelineStore } from './index';
import { desktopMigrations } from './migrations';

// Schema step 3 and its repositories: server link settings, agent tokens beside passwords, link samples
// and the command ledger, on real SQLite files.

let dir: string;
let store: LifelineStore;
const PASSPHRASE = 'a long vault passphrase';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-links-store-'));
});

afterEach(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function addServer(name: string): string {
  const server = store.servers.create(serverInputSchema.parse({ name, host: 'example.com', user: 'deploy' }));
  if (server === 'duplicate-name') throw new Error('duplicate');
  return server.id;
}

describe('schema step 3', () => {
  it('keeps the passwords saved before it, and stores agent tokens sealed beside them', async () => {
    // A database as released with steps 1 and 2, holding a saved password.
    const v2 = openDatabase({ path: join(dir, 'lifeline.db'), migrations: desktopMigrations.slice(0, 2) });
    const vault = new Vault(v2);
    await vault.initialize({ passphrase: PASSPHRASE });
    v2.prepare(`INSERT INTO servers (id, name, host, port, user, created_at, updated_at) VALUES ('s1', 'old', 'h', 22, 'u', 'now', 'now')`).run();
    vault.setServerPassword('s1', 'old-password');
    vault.lock();
    v2.close();

    store = openLifelineStore(dir);
    await store.vault.unlock(PASSPHRASE);
    expect(store.vault.getServerPassword('s1')).toBe('old-password');
    expect(store.vault.getAgentToken('s1')).toBeUndefined();
    store.vault.setAgentToken('s1', 'agent-token-0123456789');
    expect(store.vault.getAgentToken('s1')).toBe('agent-token-0123456789');
    expect(store.vault.serverSecretValues().sort()).toEqual(['agent-token-0123456789', 'old-password']);
    expect(() => store.vault.setAgentToken('s1', 'short')).toThrow(/16 characters/);
    store.vault.clearAgentToken('s1');
    expect(store.vault.getServerPassword('s1')).toBe('old-password');
    expect(store.serverLinks.get('s1')).toMatchObject({ agent: null, triggerDir: null, layers: ['bridge', 'tmux', 'trigger', 'exec'] });
  });
});

describe('ServerLinksRepository', () => {
  it('changes only the fields given', () => {
    store = openLifelineStore(dir);
    const id = addServer('web');
    store.serverLinks.update(id, { agent: { host: '10.0.0.5', port: 8899, tlsFingerprint: null }, layers: ['bridge', 'exec'] });
    const settings = store.serverLinks.update(id, { triggerDir: '/var/lib/lifeline/trigger', agentCommand: ['/opt/lifeline', 'agent', 'run-command'] });
    expect(settings).toMatchObject({
      serverName: 'web',
      agent: { host: '10.0.0.5', port: 8899, tlsFingerprint: null },
      layers: ['bridge', 'exec'],
      triggerDir: '/var/lib/lifeline/trigger',
      agentCommand: ['/opt/lifeline', 'agent', 'run-command'],
    });
    expect(store.serverLinks.update('nope', { triggerDir: '/x' })).toBeUndefined();
  });
});

describe('LinkSamplesRepository', () => {
  it('gives the newest sample per layer, the recent ones, and prunes the old', () => {
    store = openLifelineStore(dir);
    const id = addServer('web');
    const sample = (layer: 'bridge' | 'exec', at: string, ok: boolean) => store.linkSamples.add({ serverId: id, layer, at, ok, latencyMs: 1.5, error: ok ? null : 'down' });
    sample('bridge', '2024-01-01T00:00:00.000Z', true);
    sample('bridge', '2024-01-02T00:00:00.000Z', false);
    sample('exec', '2024-01-02T00:00:00.000Z', true);
    expect(store.linkSamples.latest(id).map((s) => [s.layer, s.ok, s.error])).toEqual([
      ['bridge', false, 'down'],
      ['exec', true, null],
    ]);
    expect(store.linkSamples.recent(id, 'bridge', 5).map((s) => s.at)).toEqual(['2024-01-02T00:00:00.000Z', '2024-01-01T00:00:00.000Z']);
    expect(store.linkSamples.prune('2024-01-01T12:00:00.000Z')).toBe(1);
    expect(store.linkSamples.since(id, '0')).toHaveLength(2);
  });
});

describe('CommandLedgerRepository', () => {
  it('records a command, its attempts and its end once, and keeps it after the server is deleted', () => {
    store = openLifelineStore(dir);
    const id = addServer('web');
    store.commands.start({ id: 'c-0000001', serverId: id, serverName: 'web', argv: ['echo', 'hi'], named: null, savedCommand: 'say hi', cwd: null, requestedBy: 'me@desk', startedAt: '2024-01-01T00:00:00.000Z' });
    const first = store.commands.startAttempt('c-0000001', 'bridge', '2024-01-01T00:00:00.000Z');
    store.commands.endAttempt('c-0000001', first, { latencyMs: 5000, ok: false, errorCode: 'TIMEOUT', error: 'no answer' });
    const second = store.commands.startAttempt('c-0000001', 'exec', '2024-01-01T00:00:05.000Z');
    store.commands.endAttempt('c-0000001', second, { latencyMs: 12, ok: true });
    const end = { state: 'finished', finishedAt: '2024-01-01T00:00:05.012Z', exitCode: 0, signal: null, stdout: 'hi\n', stderr: '', truncated: false, layer: 'exec', message: null } as const;
    store.commands.finish('c-0000001', end);
    store.commands.finish('c-0000001', { ...end, exitCode: 9 });
    store.servers.remove(id);
    expect(store.commands.get('c-0000001')).toMatchObject({
      serverId: null,
      serverName: 'web',
      argv: ['echo', 'hi'],
      savedCommand: 'say hi',
      state: 'finished',
      exitCode: 0,
      layer: 'exec',
      attempts: [
        { seq: 1, layer: 'bridge', outcome: 'failed', errorCode: 'TIMEOUT', latencyMs: 5000 },
        { seq: 2, layer: 'exec', outcome: 'ok', errorCode: null },
      ],
    });
    expect(store.commands.recent(10).map((record) => record.id)).toEqual(['c-0000001']);
  });
});
