import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result, Server, ServerInput } from '../../preload/api';
import { openServices, type MainServices } from '../services';
import { dispatch } from './requests';

let dir: string;
let services: MainServices;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-service-'));
  services = openServices({ dataDir: dir, mode: 'web' });
});

afterEach(async () => {
  await services.close();
  rmSync(dir, { recursive: true, force: true });
});

// Through dispatch, as every transport calls the service: the shape rules run first, then the service's.
const call = (method: string, ...args: unknown[]) => dispatch(services.service, method, args);

const input = (name: string, more: Partial<ServerInput> = {}): ServerInput => ({ name, host: `${name}.example.com`, user: 'ops', ...more });

async function create(name: string, more: Partial<ServerInput> = {}): Promise<Server> {
  const result = await call('createServer', input(name, more));
  if (!result.ok) throw new Error(`could not create ${name}: ${result.message}`);
  return result.value as Server;
}

async function names(): Promise<string[]> {
  const result = (await call('listServers')) as Result<Server[]>;
  return result.ok ? result.value.map((server) => server.name) : [];
}

function addKey(id: string): void {
  const db = new BetterSqlite3(join(dir, 'lifeline.db'));
  try {
    db.prepare(
      "INSERT INTO keys (id, name, type, bits, fingerprint, public_key, secret, created_at) VALUES (?, ?, 'ssh-ed25519', 256, ?, 'ssh-ed25519 AAAA', x'00', 'now')",
    ).run(id, id, `SHA256:${id}`);
  } finally {
    db.close();
  }
}

describe('server rules that need the database', () => {
  it('accepts a key from the vault and refuses one that is not there, creating nothing', async () => {
    addKey('key-1');
    expect(await create('web-1', { auth: 'key', keyId: 'key-1' })).toMatchObject({ auth: 'key', keyId: 'key-1' });

    const refused = await call('createServer', input('web-2', { auth: 'key', keyId: 'key-9' }));
    expect(refused).toEqual({
      ok: false,
      code: 'VALIDATION',
      message: 'Please correct the highlighted fields: This key is no longer in the vault; choose another key or another authentication method.',
      fields: { keyId: 'This key is no longer in the vault; choose another key or another authentication method' },
    });
    expect(await names()).toEqual(['web-1']);
  });

  it('refuses a jump server that does not exist', async () => {
    const result = await call('createServer', input('web-1', { jumpServerId: 'no-such-server' }));
    expect(result).toMatchObject({ ok: false, code: 'VALIDATION', fields: { jumpServerId: expect.stringMatching(/no longer exists.*choose another server, or none/) } });
    expect(await names()).toEqual([]);
  });

  it('reports a bad key and a bad jump server together', async () => {
    const result = await call('createServer', input('web-1', { keyId: 'gone', jumpServerId: 'gone' }));
    expect(result.ok ? [] : Object.keys(result.fields ?? {}).sort()).toEqual(['jumpServerId', 'keyId']);
  });

  it('refuses a server as its own jump server', async () => {
    const web = await create('web-1');
    const result = await call('updateServer', web.id, input('web-1', { jumpServerId: web.id }));
    expect(result).toMatchObject({ ok: false, code: 'VALIDATION', fields: { jumpServerId: 'A server cannot be its own jump server; choose another server, or none' } });
  });

  it('refuses a jump server that leads back, naming the loop, and keeps the stored chain', async () => {
    const edge = await create('edge');
    const bastion = await create('bastion', { jumpServerId: edge.id });
    const db = await create('db', { jumpServerId: bastion.id });

    const result = await call('updateServer', edge.id, input('edge', { jumpServerId: db.id }));
    expect(result).toMatchObject({
      ok: false,
      code: 'VALIDATION',
      fields: {
        jumpServerId: 'Jumping through db leads back here (edge → db → bastion → edge); choose a jump server that does not go through edge, or none',
      },
    });
    const listed = (await call('listServers')) as Result<Server[]>;
    expect(listed.ok && listed.value.find((server) => server.id === edge.id)?.jumpServerId).toBeNull();
  });

  it('accepts a chain without loops, and moving a server along it', async () => {
    const edge = await create('edge');
    const bastion = await create('bastion', { jumpServerId: edge.id });
    const db = await create('db', { jumpServerId: bastion.id });
    // db may jump straight through edge; bastion may drop its jump server.
    expect(await call('updateServer', db.id, input('db', { jumpServerId: edge.id }))).toMatchObject({ ok: true, value: { jumpServerId: edge.id } });
    expect(await call('updateServer', bastion.id, input('bastion'))).toMatchObject({ ok: true, value: { jumpServerId: null } });
    // Now edge may jump through bastion, which no longer goes through edge.
    expect(await call('updateServer', edge.id, input('edge', { jumpServerId: bastion.id }))).toMatchObject({ ok: true });
  });

  it('answers NOT_FOUND for an update of a missing server before judging its references', async () => {
    const result = await call('updateServer', 'missing', input('ghost', { jumpServerId: 'missing' }));
    expect(result).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('refuses to delete a jump server that others still use, and deletes it once they do not', async () => {
    const bastion = await create('bastion');
    const web = await create('web', { jumpServerId: bastion.id });
    await create('api', { jumpServerId: bastion.id });

    const refused = await call('deleteServer', bastion.id);
    expect(refused).toEqual({
      ok: false,
      code: 'VALIDATION',
      message: '"bastion" is the jump server of "api", "web". Give those servers another jump server (or none) first, then delete "bastion".',
    });
    expect(await names()).toEqual(['api', 'bastion', 'web']);

    expect(await call('deleteServer', web.id)).toMatchObject({ ok: true });
    expect(await call('deleteServer', bastion.id)).toMatchObject({ ok: false, message: expect.stringContaining('of "api". Give that server') });
    expect(await call('deleteServer', 'missing')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('announces saved changes only', async () => {
    const announced: string[][] = [];
    const unsubscribe = services.service.events.serversChanged((servers) => announced.push(servers.map((server) => server.name)));
    try {
      const web = await create('web');
      await call('createServer', input('db', { jumpServerId: 'missing' }));
      await call('updateServer', web.id, input('web', { jumpServerId: web.id }));
      await call('deleteServer', web.id);
      expect(announced).toEqual([['web'], []]);
    } finally {
      unsubscribe();
    }
  });
});
