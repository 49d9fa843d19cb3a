import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAgent } from './app';
import { loadAgentConfig } from './config';
import { signBody } from './http/signatures';
import { recordingQueue } from './http/testing';
import { agentMigrations } from './migrations';
import { initAgent, InitRefusal, systemdWord } from './init';
import { openDatabase } from './store/sqlite';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const launcher = ['/usr/bin/node', '/opt/lifeline/bin/lifeline.cjs'];

describe('initAgent', () => {
  it('writes a config that loads unedited and takes a push to main signed with the written secret', async () => {
    const target = join(dir, 'etc', 'lifeline');
    const files = initAgent({ dir: target, launcher });
    expect(files).toEqual({
      config: join(target, 'agent.yaml'),
      secret: join(target, 'webhook.secret'),
      bridgeToken: join(target, 'bridge.token'),
      service: join(target, 'lifeline-agent.service'),
    });
    expect(readFileSync(files.bridgeToken, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(files.bridgeToken).mode & 0o777).toBe(0o600);

    const secretText = readFileSync(files.secret, 'utf8');
    expect(secretText).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(files.secret).mode & 0o777).toBe(0o600);
    const secret = secretText.trim();

    const config = loadAgentConfig(files.config, {}, {});
    expect(config.dataDir).toBe(join(target, 'data'));
    expect(config.hooks).toMatchObject([{ id: 'example', source: 'github', secret, events: ['push'], filters: { branch: ['main'] }, site: 'example' }]);
    expect(config.sites).toMatchObject([{ id: 'example', dir: join(target, 'sites', 'example'), branches: { main: 'production' } }]);

    const db = openDatabase({ path: join(config.dataDir, 'agent.db'), migrations: agentMigrations });
    try {
      const queue = recordingQueue(db);
      const agent = buildAgent({ config, db, enqueue: queue.enqueue });
      const send = (ref: string, repository: string, delivery: string) => {
        const body = JSON.stringify({ ref, after: 'b'.repeat(40), repository: { full_name: repository }, sender: { login: 'octocat' } });
        return agent.inject({
          method: 'POST',
          url: '/hooks/example',
          headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signBody(secret, body) },
          body,
        });
      };
      const accepted = await send('refs/heads/main', 'any-org/any-repo', 'd1');
      expect(accepted.status).toBe(202);
      expect(accepted.json()).toEqual({ status: 'accepted', deliveryId: 'd1', jobId: 1, position: 1 });
      expect(queue.calls[0]?.request).toMatchObject({ siteId: 'example', environment: 'production', branch: 'main', repository: 'any-org/any-repo' });
      expect((await send('refs/heads/main', 'someone/else', 'd2')).status).toBe(202);
      expect((await send('refs/heads/dev', 'any-org/any-repo', 'd3')).json()).toMatchObject({ status: 'ignored' });
    } finally {
      db.close();
    }
  });

  it('writes a hardened unit that starts the agent with the config and may write only its data and sites', () => {
    const files = initAgent({ dir, launcher });
    const unit = readFileSync(files.service, 'utf8');
    const settings = unit.split('\n').filter((line) => /^[A-Z]\w+=/.test(line));
    expect(settings).toEqual(
      expect.arrayContaining([
        `ExecStart=/usr/bin/node /opt/lifeline/bin/lifeline.cjs agent --config ${join(dir, 'agent.yaml')}`,
        `ReadWritePaths=${join(dir, 'data')} ${join(dir, 'sites')}`,
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'ProtectHome=read-only',
        'PrivateTmp=yes',
        'Restart=on-failure',
        'WantedBy=multi-user.target',
      ]),
    );
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    expect(statSync(join(dir, 'data')).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'sites')).isDirectory()).toBe(true);
    // Every folder the config lets the agent write is under ReadWritePaths.
    const config = loadAgentConfig(files.config, {}, {});
    for (const folder of [config.dataDir, ...config.sites.map((site) => site.dir)]) {
      expect([join(dir, 'data'), join(dir, 'sites')].some((writable) => folder === writable || folder.startsWith(`${writable}/`)), folder).toBe(true);
    }
  });

  it('quotes paths with spaces and escapes what systemd would expand', () => {
    expect(systemdWord('/srv/my app/agent.yaml', 'command')).toBe('"/srv/my app/agent.yaml"');
    expect(systemdWord('/srv/100%/$HOME', 'command')).toBe('/srv/100%%/$$HOME');
    expect(systemdWord('/srv/100%/$HOME', 'path')).toBe('/srv/100%%/$HOME');
    expect(systemdWord('/srv/a "b"\\c', 'path')).toBe('"/srv/a \\"b\\"\\\\c"');
    const spaced = join(dir, 'my agent');
    const unit = readFileSync(initAgent({ dir: spaced, launcher }).service, 'utf8');
    expect(unit).toContain(`ExecStart=/usr/bin/node /opt/lifeline/bin/lifeline.cjs agent --config "${join(spaced, 'agent.yaml')}"`);
    expect(unit).toContain(`ReadWritePaths="${join(spaced, 'data')}" "${join(spaced, 'sites')}"`);
  });

  it('refuses to overwrite, naming the files, and writes nothing then', () => {
    writeFileSync(join(dir, 'agent.yaml'), 'mine\n');
    expect(() => initAgent({ dir, launcher })).toThrow(InitRefusal);
    expect(() => initAgent({ dir, launcher })).toThrow(`${join(dir, 'agent.yaml')} already exists; init never overwrites. Move it away or choose another --dir.`);
    expect(readFileSync(join(dir, 'agent.yaml'), 'utf8')).toBe('mine\n');
    expect(() => statSync(join(dir, 'webhook.secret'))).toThrow();

    writeFileSync(join(dir, 'webhook.secret'), 'kept\n');
    expect(() => initAgent({ dir, launcher })).toThrow(`${join(dir, 'agent.yaml')} and ${join(dir, 'webhook.secret')} already exist;`);
    expect(readFileSync(join(dir, 'webhook.secret'), 'utf8')).toBe('kept\n');
  });

  it('writes a new secret each time', () => {
    const first = readFileSync(initAgent({ dir: join(dir, 'a'), launcher }).secret, 'utf8');
    const second = readFileSync(initAgent({ dir: join(dir, 'b'), launcher }).secret, 'utf8');
    expect(first).not.toBe(second);
  });
});
