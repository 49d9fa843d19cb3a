import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result, Server, SshConfigImportOutcome, SshConfigPreview } from '../../preload/api';
import { openServices, type MainServices } from '../services';
import { dispatch } from './requests';

// The import through `dispatch`, as both transports call it, on a real config in a temp home folder:
// an Include with a glob (relative to ~/.ssh), a two-hop ProxyJump chain, a Match block and `Host *` defaults.

let root: string;
let home: string;
let services: MainServices;

function write(path: string, ...lines: string[]): void {
  const full = join(home, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, `${lines.join('\n')}\n`);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lifeline-api-sshimport-'));
  home = join(root, 'home');
  mkdirSync(join(root, 'data'));
  services = openServices({ dataDir: join(root, 'data'), mode: 'web', home });
  write(
    '.ssh/config',
    'Include conf.d/*.conf',
    '',
    'Host web',
    '  HostName web.internal.example.com',
    '  User deploy',
    '  IdentityFile ~/.ssh/id_web',
    '  ProxyJump bastion',
    '  ServerAliveInterval 30',
    '',
    'Host db',
    '  HostName db.internal.example.com',
    '  ProxyJump bastion,inner',
    '',
    'Match user root',
    '  Port 2200',
    '',
    'Host *',
    '  User ops',
    '  ServerAliveCountMax 5',
  );
  write(
    '.ssh/conf.d/corp.conf',
    'Host bastion',
    '  HostName bastion.example.com',
    '  Port 2222',
    '  StrictHostKeyChecking accept-new',
    '',
    'Host inner',
    '  HostName 10.0.0.7',
    '  ProxyJump bastion',
  );
});

afterEach(async () => {
  await services.close();
  rmSync(root, { recursive: true, force: true });
});

const preview = (...args: unknown[]) => dispatch(services.service, 'previewSshConfigImport', args) as Promise<Result<SshConfigPreview>>;
const importHosts = (...args: unknown[]) => dispatch(services.service, 'importSshConfig', args) as Promise<Result<SshConfigImportOutcome>>;

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

async function listServers(): Promise<Server[]> {
  return value(await services.service.listServers());
}

describe('previewSshConfigImport', () => {
  it('reads ~/.ssh/config and its includes and lists what it would create, jump servers first, and what it skips', async () => {
    const result = value(await preview({}));

    expect(result.files).toEqual([join(home, '.ssh/config'), join(home, '.ssh/conf.d/corp.conf')]);
    expect(result.create).toEqual([
      {
        name: 'bastion',
        host: 'bastion.example.com',
        port: 2222,
        user: 'ops',
        identityFiles: [],
        jumpChain: [],
        settings: { keepaliveCountMax: 5, strictHostKeyChecking: 'accept-new' },
      },
      { name: 'inner', host: '10.0.0.7', port: 22, user: 'ops', identityFiles: [], jumpChain: ['bastion'], settings: { keepaliveCountMax: 5 } },
      {
        name: 'web',
        host: 'web.internal.example.com',
        port: 22,
        user: 'deploy',
        identityFiles: [join(home, '.ssh/id_web')],
        jumpChain: ['bastion'],
        settings: { keepaliveInterval: 30, keepaliveCountMax: 5 },
      },
      { name: 'db', host: 'db.internal.example.com', port: 22, user: 'ops', identityFiles: [], jumpChain: ['bastion', 'inner'], settings: { keepaliveCountMax: 5 } },
    ]);
    expect(result.skipped).toEqual([
      { host: 'Match user root', reason: expect.stringMatching(/^~\/\.ssh\/config line 14: Match blocks are left out/) },
      { host: '*', reason: expect.stringMatching(/^~\/\.ssh\/config line 17: wildcard-only Host/) },
    ]);
    expect(await listServers()).toEqual([]);
  });

  it('takes a path from the root or from the home folder, and reads a file other than the default', async () => {
    write('configs/lab', 'Host lab', '  HostName lab.example.com', '  User me');
    const expected = [{ name: 'lab', host: 'lab.example.com', port: 22, user: 'me', identityFiles: [], jumpChain: [], settings: {} }];

    expect(value(await preview({ file: '~/configs/lab' })).create).toEqual(expected);
    const absolute = value(await preview({ file: join(home, 'configs/lab') }));
    expect(absolute.create).toEqual(expected);
    expect(absolute.files).toEqual([join(home, 'configs/lab')]);
    expect(value(await preview({ file: '~/.ssh/config' })).create.map((host) => host.name)).toEqual(['bastion', 'inner', 'web', 'db']);
  });

  it('reports a missing file and a line ssh would refuse as SSH_CONFIG_ERROR, with the place and what to do', async () => {
    expect(await preview({ file: join(home, 'no-such-config') })).toEqual({
      ok: false,
      code: 'SSH_CONFIG_ERROR',
      message: 'There is no SSH config at ~/no-such-config. Check the path, or create the file with the hosts to import.',
    });

    write('.ssh/conf.d/broken.conf', 'Host broken', '  Port eighty');
    expect(await preview({})).toEqual({
      ok: false,
      code: 'SSH_CONFIG_ERROR',
      message: '~/.ssh/conf.d/broken.conf line 2: Port "eighty" is not a port from 1 to 65535; fix the value (ssh refuses it too).',
    });
  });

  it('refuses a path that is relative, too long or has control characters, as a field error, before reading anything', async () => {
    for (const file of ['.ssh/config', '', `/${'a'.repeat(4096)}`, '/tmp/a\nb', 42]) {
      const result = await preview({ file });
      expect(result, JSON.stringify(file)).toMatchObject({ ok: false, code: 'VALIDATION', fields: { file: expect.any(String) } });
    }
    expect(await preview({ file: 'config' })).toMatchObject({ fields: { file: expect.stringContaining('~/.ssh/config') } });
    expect(await preview({ path: '/etc/ssh/ssh_config' })).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await preview()).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  });
});

describe('importSshConfig', () => {
  it('creates the chosen hosts with their jump servers linked, and refuses one whose jump server was left out', async () => {
    const announced: string[][] = [];
    const stop = services.service.events.serversChanged((servers) => announced.push(servers.map((server) => server.name)));
    try {
      const first = value(await importHosts({ hosts: ['db', 'web', 'bastion'] }));
      expect(first.created.map((server) => server.name)).toEqual(['bastion', 'web']);
      expect(first.notCreated).toEqual([{ host: 'db', reason: 'It connects through "inner", which was not chosen; choose it too.' }]);
      expect(announced.at(-1)).toEqual(['bastion', 'web']);
    } finally {
      stop();
    }

    const second = value(await importHosts({ file: '~/.ssh/config', hosts: ['db', 'inner', 'web', 'nowhere'] }));
    expect(second.created.map((server) => server.name)).toEqual(['inner', 'db']);
    expect(second.notCreated).toEqual([
      { host: 'web', reason: 'A server named "web" already exists in Lifeline; edit it there, or rename it to import this one.' },
      { host: 'nowhere', reason: expect.stringContaining('no longer has a host of this name') },
    ]);

    const byName = new Map((await listServers()).map((server) => [server.name, server]));
    const id = (name: string) => byName.get(name)!.id;
    expect(byName.get('bastion')).toMatchObject({ host: 'bastion.example.com', port: 2222, user: 'ops', jumpServerId: null, strictHostKeyChecking: 'accept-new', keepaliveCountMax: 5, auth: 'agent' });
    expect(byName.get('web')).toMatchObject({ host: 'web.internal.example.com', user: 'deploy', jumpServerId: id('bastion'), keepaliveInterval: 30 });
    expect(byName.get('inner')).toMatchObject({ host: '10.0.0.7', jumpServerId: id('bastion') });
    expect(byName.get('db')).toMatchObject({ host: 'db.internal.example.com', jumpServerId: id('inner') });
  });

  it('reads the config again, so the import creates what the file says now', async () => {
    expect(value(await preview({})).create.find((host) => host.name === 'bastion')?.port).toBe(2222);
    write('.ssh/conf.d/corp.conf', 'Host bastion', '  HostName bastion.example.com', '  Port 2022');

    const outcome = value(await importHosts({ hosts: ['bastion'] }));
    expect(outcome.created).toMatchObject([{ name: 'bastion', port: 2022 }]);

    rmSync(join(home, '.ssh/config'));
    expect(await importHosts({ hosts: ['web'] })).toMatchObject({ ok: false, code: 'SSH_CONFIG_ERROR', message: expect.stringContaining('There is no SSH config') });
    expect((await listServers()).map((server) => server.name)).toEqual(['bastion']);
  });

  it('needs at least one host, each named by text', async () => {
    expect(await importHosts({ hosts: [] })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { hosts: 'Choose at least one host to import' } });
    expect(await importHosts({ hosts: [7] })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { hosts: expect.any(String) } });
    expect(await importHosts({ hosts: ['web'], file: 'relative' })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { file: expect.any(String) } });
    expect(await listServers()).toEqual([]);
  });
});
