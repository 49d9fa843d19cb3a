import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Server } from '../../preload/api';
import { serverInputSchema } from '../api/server-rules';
import { openServices, type MainServices } from '../services';
import { applySshConfigImport, planSshConfigImport, type SshImportPlan } from './ssh-config-import';

let home: string;
let services: MainServices;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'lifeline-sshimport-'));
  mkdirSync(join(home, 'data'));
  services = openServices({ dataDir: join(home, 'data'), mode: 'web' });
});

afterEach(() => {
  services.close();
  rmSync(home, { recursive: true, force: true });
});

function write(path: string, ...lines: string[]): void {
  const full = join(home, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, `${lines.join('\n')}\n`);
}

async function existing(): Promise<Server[]> {
  const listed = await services.service.listServers();
  if (!listed.ok) throw new Error(listed.message);
  return listed.value;
}

async function plan(): Promise<SshImportPlan> {
  return planSshConfigImport({ home, existing: await existing(), localUser: 'me' });
}

async function addServer(name: string, more: Record<string, unknown> = {}): Promise<Server> {
  const created = await services.service.createServer(serverInputSchema.parse({ name, host: `${name}.example.com`, user: 'ops', ...more }));
  if (!created.ok) throw new Error(created.message);
  return created.value;
}

const byName = (servers: Server[]) => new Map(servers.map((server) => [server.name, server]));

describe('planSshConfigImport', () => {
  it('turns Host blocks into servers with their settings, defaults from Host * filling the gaps', async () => {
    write(
      '.ssh/config',
      'Host web-1 web-2',
      '  HostName %h.example.com',
      '  Port 2222',
      '  IdentityFile ~/.ssh/web_%r',
      '  ServerAliveInterval 30',
      '  ServerAliveCountMax 6',
      '  StrictHostKeyChecking accept-new',
      '  ForwardAgent yes',
      'Host db',
      '  HostName 10.0.0.9',
      '  User postgres',
      'Host *',
      '  User deploy',
      '  IdentityFile ~/.ssh/id_ed25519',
    );
    const result = await plan();
    expect(result.skipped).toEqual([{ host: '*', reason: expect.stringContaining('wildcard-only Host') }]);
    expect(result.create).toEqual([
      {
        name: 'web-1',
        fields: {
          name: 'web-1',
          host: 'web-1.example.com',
          port: 2222,
          user: 'deploy',
          keepaliveInterval: 30,
          keepaliveCountMax: 6,
          strictHostKeyChecking: 'accept-new',
          agentForwarding: true,
        },
        identityFiles: [join(home, '.ssh/web_deploy'), join(home, '.ssh/id_ed25519')],
        jumpChain: [],
      },
      expect.objectContaining({ name: 'web-2', fields: expect.objectContaining({ host: 'web-2.example.com' }) }),
      {
        name: 'db',
        fields: { name: 'db', host: '10.0.0.9', port: 22, user: 'postgres' },
        identityFiles: [join(home, '.ssh/id_ed25519')],
        jumpChain: [],
      },
    ]);
  });

  it('follows Include globs and skips Match blocks with a note, and the hosts defined inside them', async () => {
    write('.ssh/config', 'Include conf.d/*', 'Match host *.corp', '  User corp-user', '  Include corp/*');
    write('.ssh/conf.d/a-web', 'Host web', '  HostName web.example.com', '  User web');
    write('.ssh/conf.d/b-db', 'Host db', '  HostName db.example.com', '  User db');
    write('.ssh/corp/hosts', 'Host intranet', '  HostName intranet.corp');
    const result = await plan();
    expect(result.create.map((planned) => planned.name)).toEqual(['web', 'db']);
    expect(result.skipped).toEqual([
      { host: 'Match host *.corp', reason: expect.stringMatching(/^~\/\.ssh\/config line 2: Match blocks are left out/) },
      { host: 'intranet', reason: expect.stringMatching(/^~\/\.ssh\/corp\/hosts line 1: it is inside a Match block/) },
    ]);
  });

  it('skips names that already exist in any case, and a config file loop is noted once', async () => {
    await addServer('Web');
    write('.ssh/config', 'Include ~/.ssh/config', 'Host web db', '  User ops');
    const result = await plan();
    expect(result.create.map((planned) => planned.name)).toEqual(['db']);
    expect(result.skipped).toEqual([
      { host: 'Include ~/.ssh/config', reason: expect.stringContaining('is already being read') },
      { host: 'web', reason: 'A server named "Web" already exists in Lifeline; edit it there, or rename it to import this one.' },
    ]);
  });

  it('skips hosts that cannot be Lifeline servers, saying why', async () => {
    write(
      '.ssh/config',
      'Host my_box',
      '  User ops',
      'Host scripted',
      '  ProxyCommand nc -X 5 -x proxy:1080 %h %p',
      'Host slow',
      '  ServerAliveInterval 2h',
      'Host tokens',
      '  IdentityFile ~/.ssh/%C',
      'Host !nope *.wild',
    );
    const result = await plan();
    expect(result.create).toEqual([]);
    expect(result.skipped).toEqual([
      { host: 'my_box', reason: expect.stringMatching(/^It cannot be a Lifeline server as configured: Host must be a host name/) },
      { host: 'scripted', reason: expect.stringMatching(/ProxyCommand "nc -X 5 -x proxy:1080 %h %p", which Lifeline does not run/) },
      { host: 'slow', reason: expect.stringMatching(/Keepalive interval must be a whole number of seconds from 0 \(off\) to 3600/) },
      { host: 'tokens', reason: expect.stringMatching(/line 8: IdentityFile uses "%C"/) },
      { host: '!nope *.wild', reason: expect.stringContaining('wildcard-only Host') },
    ]);
  });

  it('resolves a jump chain: Host blocks by name, other hops as servers of their own, jump servers first', async () => {
    write(
      '.ssh/config',
      'Host deep',
      '  HostName 10.1.0.5',
      '  ProxyJump bastion,internal',
      'Host internal',
      '  HostName 10.0.0.5',
      '  ProxyJump bastion',
      'Host bastion',
      '  HostName bastion.example.com',
      '  ProxyJump edge-admin@edge.example.com:2022',
      'Host vpn-only',
      '  ProxyJump gw.example.com,relay.example.com',
      'Host *.example.com',
      '  IdentityFile ~/.ssh/corp',
      'Host *',
      '  User ops',
    );
    const result = await plan();
    expect(result.skipped.map((skip) => skip.host)).toEqual(['*.example.com', '*']);
    expect(result.create.map((planned) => [planned.name, planned.jumpChain])).toEqual([
      ['edge-admin@edge.example.com:2022', []],
      ['gw.example.com', []],
      ['bastion', ['edge-admin@edge.example.com:2022']],
      ['relay.example.com', ['gw.example.com']],
      ['internal', ['edge-admin@edge.example.com:2022', 'bastion']],
      ['vpn-only', ['gw.example.com', 'relay.example.com']],
      ['deep', ['edge-admin@edge.example.com:2022', 'bastion', 'internal']],
    ]);
    const edge = result.create[0]!;
    expect(edge.fields).toEqual({ name: 'edge-admin@edge.example.com:2022', host: 'edge.example.com', port: 2022, user: 'edge-admin' });
    expect(edge.identityFiles).toEqual([join(home, '.ssh/corp')]);
  });

  it('skips a chain that would give a hop a second jump server, and a ProxyJump that loops', async () => {
    write(
      '.ssh/config',
      'Host target',
      '  ProxyJump a.example.com,b',
      'Host b',
      '  HostName b.example.com',
      '  ProxyJump c.example.com',
      'Host loop-1',
      '  ProxyJump loop-2',
      'Host loop-2',
      '  ProxyJump loop-1',
      'Host self',
      '  ProxyJump self',
      'Host *',
      '  User ops',
    );
    const result = await plan();
    expect(result.create.map((planned) => planned.name)).toEqual(['c.example.com', 'b']);
    expect(result.skipped).toEqual([
      {
        host: 'target',
        reason:
          "Its ProxyJump reaches b through a.example.com, but b itself goes through c.example.com; Lifeline keeps one jump server per server, so put the whole chain in b's ProxyJump and only b in this one.",
      },
      { host: 'loop-1', reason: 'Its ProxyJump goes round in a loop (loop-1 → loop-2 → loop-1); ssh cannot connect like that either.' },
      { host: 'loop-2', reason: 'Its ProxyJump goes round in a loop (loop-1 → loop-2 → loop-1); ssh cannot connect like that either.' },
      { host: 'self', reason: 'Its ProxyJump goes round in a loop (self → self); ssh cannot connect like that either.' },
      { host: '*', reason: expect.stringContaining('wildcard-only') },
    ]);
  });

  it('lets a hop name a server Lifeline already has, and a hop that changes a Host block\'s user become its own server', async () => {
    const bastion = await addServer('bastion');
    await addServer('inner', { jumpServerId: bastion.id });
    write(
      '.ssh/config',
      'Host app',
      '  HostName app.example.com',
      '  ProxyJump bastion,inner',
      'Host gw',
      '  HostName gw.example.com',
      'Host admin-app',
      '  HostName admin.example.com',
      '  ProxyJump root@gw',
      'Host *',
      '  User ops',
    );
    const result = await plan();
    expect(result.skipped.map((skip) => skip.host)).toEqual(['*']);
    expect(result.create.map((planned) => [planned.name, planned.jumpChain, planned.fields.host, planned.fields.user])).toEqual([
      ['gw', [], 'gw.example.com', 'ops'],
      ['root@gw', [], 'gw.example.com', 'root'],
      ['admin-app', ['root@gw'], 'admin.example.com', 'ops'],
      ['app', ['bastion', 'inner'], 'app.example.com', 'ops'],
    ]);
  });
});

describe('applySshConfigImport', () => {
  it('creates jump servers first and links every server to its jump server', async () => {
    write(
      '.ssh/config',
      'Host deep',
      '  HostName 10.1.0.5',
      '  ProxyJump bastion,internal',
      'Host internal',
      '  HostName 10.0.0.5',
      '  ProxyJump bastion',
      'Host bastion',
      '  HostName bastion.example.com',
      '  IdentityFile ~/.ssh/bastion',
      'Host *',
      '  User ops',
    );
    const planned = await plan();
    // Whatever order a caller hands it in.
    const outcome = await applySshConfigImport({ ...planned, create: [...planned.create].reverse() }, services.service);
    expect(outcome.failed).toEqual([]);
    expect(outcome.created.map((server) => server.name)).toEqual(['bastion', 'internal', 'deep']);

    const stored = byName(await existing());
    expect(stored.get('bastion')).toMatchObject({ host: 'bastion.example.com', user: 'ops', jumpServerId: null });
    expect(stored.get('internal')).toMatchObject({ host: '10.0.0.5', jumpServerId: stored.get('bastion')!.id });
    expect(stored.get('deep')).toMatchObject({ host: '10.1.0.5', jumpServerId: stored.get('internal')!.id });

    // Importing again creates nothing: every name now exists.
    const again = await plan();
    expect(again.create).toEqual([]);
    expect(again.skipped.filter((skip) => skip.reason.includes('already exists')).map((skip) => skip.host)).toEqual(['deep', 'internal', 'bastion']);
  });

  it('reports what the service refused, and does not create what depended on it', async () => {
    write('.ssh/config', 'Host bastion', '  User ops', 'Host app', '  User ops', '  ProxyJump bastion', 'Host lone', '  User ops');
    const planned = await plan();
    // Someone adds a server named like the jump host between the preview and the import.
    await addServer('BASTION');
    const outcome = await applySshConfigImport(planned, services.service);
    expect(outcome.created.map((server) => server.name)).toEqual(['lone']);
    expect(outcome.failed).toEqual([
      { name: 'bastion', reason: 'This name is already used by another server' },
      // Not through the newcomer that took the name: it was planned to go through the imported bastion.
      { name: 'app', reason: 'Its jump server "bastion" was not created, so it was not created either.' },
    ]);
    expect((await existing()).map((server) => server.name)).toEqual(['BASTION', 'lone']);
  });
});
